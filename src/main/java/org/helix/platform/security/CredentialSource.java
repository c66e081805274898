package org.helix.platform.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * A kind of bearer token, recognised by its prefix and resolved from its hash by the feature that owns it
 * (API keys in admin, agent tokens in agents).
 */
public interface CredentialSource {

    String prefix();

    /** The identity for this token hash, or null when there is none (unknown or revoked). */
    Uni<SecurityIdentity> resolve(String tokenHash);
}
