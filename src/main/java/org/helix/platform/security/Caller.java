package org.helix.platform.security;

import io.quarkus.security.identity.SecurityIdentity;
import org.helix.platform.ProblemException;

import java.util.UUID;

/**
 * Who is calling, in the service's terms. {@code principal} is what audit rows, idempotency keys and
 * session caps are keyed by: {@code key:<id>}, {@code agent:<id>} or {@code anonymous}.
 */
public record Caller(String principal, boolean admin, UUID agentId, int agentEpoch, String agentName) {

    public static final String AGENT_ID = "helix.agent-id";
    public static final String AGENT_EPOCH = "helix.agent-epoch";
    public static final String AGENT_NAME = "helix.agent-name";

    public static Caller of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return new Caller("anonymous", false, null, 0, null);
        }
        UUID agentId = identity.getAttribute(AGENT_ID);
        Integer epoch = identity.getAttribute(AGENT_EPOCH);
        return new Caller(identity.getPrincipal().getName(), identity.hasRole(Roles.ADMIN), agentId,
                epoch == null ? 0 : epoch, identity.getAttribute(AGENT_NAME));
    }

    /** An in-process caller, used by the built-in agents so they go through the very same checks. */
    public static Caller agent(UUID agentId, int epoch, String name) {
        return new Caller("agent:" + agentId, false, agentId, epoch, name);
    }

    public boolean isAgent() {
        return agentId != null;
    }

    /** Agents act only as themselves; admins may act for anyone. */
    public void requireSelfOrAdmin(UUID agentId) {
        if (!admin && !agentId.equals(this.agentId)) {
            throw ProblemException.forbidden("an agent may act only as itself");
        }
    }
}
