package org.helix.platform;

/** Start-up work readiness waits for (besides the database and the schema). */
public interface StartupWork {

    String name();

    boolean done();
}
