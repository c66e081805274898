package org.helix.platform.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.helix.platform.ClusterSignals;
import org.helix.platform.HelixConfig;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves bearer tokens to identities. Lookups are cached for {@code helix.security.cache-ttl} so the
 * agent hot path does not query the database per request; revoking a key or re-registering an agent evicts
 * the old hash here and, through a cluster signal, on every other replica, so revocation is immediate.
 */
@ApplicationScoped
public class CredentialStore implements IdentityProvider<BearerToken> {

    private static final String EVICT = "credential-evicted";
    private static final int MAX_CACHED = 20_000;

    private record Cached(SecurityIdentity identity, long expiresAtNanos) {
    }

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final List<CredentialSource> sources;
    private final Optional<String> bootstrapHash;
    private final long ttlNanos;
    private final ClusterSignals signals;

    public CredentialStore(Instance<CredentialSource> sources, HelixConfig config, ClusterSignals signals) {
        this.sources = sources.stream().toList();
        this.bootstrapHash = config.security().bootstrapAdminKey().filter(k -> !k.isBlank()).map(Tokens::hash);
        this.ttlNanos = config.security().cacheTtl().toNanos();
        this.signals = signals;
        signals.on(EVICT, cache::remove);
        signals.on(ClusterSignals.RECONNECTED, ignored -> cache.clear());
    }

    @Override
    public Class<BearerToken> getRequestType() {
        return BearerToken.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(BearerToken request, AuthenticationRequestContext context) {
        String hash = Tokens.hash(request.token());
        Cached cached = cache.get(hash);
        if (cached != null && cached.expiresAtNanos - System.nanoTime() > 0) {
            return found(cached.identity);
        }
        if (bootstrapHash.isPresent() && MessageDigest.isEqual(bootstrapHash.get().getBytes(StandardCharsets.UTF_8),
                hash.getBytes(StandardCharsets.UTF_8))) {
            return found(remember(hash, QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal("key:bootstrap-admin")).addRole(Roles.ADMIN).build()));
        }
        CredentialSource source = sources.stream().filter(s -> request.token().startsWith(s.prefix()))
                .findFirst().orElse(null);
        if (source == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException("unknown credential"));
        }
        return source.resolve(hash).onItem().transformToUni(identity -> {
            remember(hash, identity);
            return found(identity);
        });
    }

    private static Uni<SecurityIdentity> found(SecurityIdentity identity) {
        return identity == null
                ? Uni.createFrom().failure(new AuthenticationFailedException("unknown or revoked credential"))
                : Uni.createFrom().item(identity);
    }

    private SecurityIdentity remember(String hash, SecurityIdentity identity) {
        if (cache.size() > MAX_CACHED) {
            cache.clear();
        }
        cache.put(hash, new Cached(identity, System.nanoTime() + ttlNanos));
        return identity;
    }

    /** Forget a credential here and on every replica (revoked key, superseded agent token). */
    public void evict(String tokenHash) {
        cache.remove(tokenHash);
        signals.publish(EVICT, tokenHash);
    }
}
