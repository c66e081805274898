package org.helix.platform.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** The token of an {@code Authorization: Bearer} header, on its way to {@link CredentialStore}. */
public class BearerToken extends BaseAuthenticationRequest {

    private final String token;

    public BearerToken(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
