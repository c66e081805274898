package org.helix.platform;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.util.UUID;

/** Log lines that carry ritual and agent ids as fields (JSON logs in production), not only in their text. */
public final class Logs {

    private Logs() {
    }

    public static void info(Logger log, UUID ritualId, UUID agentId, String format, Object... args) {
        if (ritualId != null) {
            MDC.put("ritual_id", ritualId.toString());
        }
        if (agentId != null) {
            MDC.put("agent_id", agentId.toString());
        }
        try {
            log.infof(format, args);
        } finally {
            MDC.remove("ritual_id");
            MDC.remove("agent_id");
        }
    }
}
