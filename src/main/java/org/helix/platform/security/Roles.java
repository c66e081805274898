package org.helix.platform.security;

import java.util.Set;

/** Roles of API keys ({@code admin}, {@code rituals}, {@code agent}) and of a registered agent's own token. */
public final class Roles {
    public static final String ADMIN = "admin";
    public static final String RITUALS = "rituals";
    public static final String AGENT = "agent";
    /** A registered agent speaking with the token it got at registration: it may act only as itself. */
    public static final String AGENT_TOKEN = "agent-token";

    public static final Set<String> KEY_ROLES = Set.of(ADMIN, RITUALS, AGENT);

    private Roles() {
    }
}
