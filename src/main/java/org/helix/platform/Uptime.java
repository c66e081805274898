package org.helix.platform;

import java.lang.management.ManagementFactory;

/** How long this process has been up, in seconds, as /status and /ws/stats report it. */
public final class Uptime {

    private Uptime() {
    }

    public static double seconds() {
        return ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
    }
}
