package org.helix.platform.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;
import org.helix.platform.HelixConfig;
import org.helix.platform.Problem;
import org.helix.platform.ProblemMappers;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Token buckets (Bucket4j) per client address for anonymous callers and per key for ritual clients and
 * operators; a registered agent's own traffic (and agent registration) is governed by bulkheads instead, so
 * agent throughput is never capped by a request rate. Buckets live in a bounded Caffeine cache and are
 * dropped two minutes after their last use; limits are per replica.
 */
// the cache and node classes Caffeine picks by name for expireAfterAccess + maximumSize (native image)
@RegisterForReflection(classNames = {"com.github.benmanes.caffeine.cache.SSMSA", "com.github.benmanes.caffeine.cache.PSAMS"})
@ApplicationScoped
public class RateLimits {

    private static final String PROBE = "helix.rate-limit.probe";
    private static final String LIMIT = "helix.rate-limit.limit";

    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(2)).maximumSize(100_000).build();
    private final HelixConfig config;
    private final CurrentIdentityAssociation identities;

    public RateLimits(HelixConfig config, CurrentIdentityAssociation identities) {
        this.config = config;
        this.identities = identities;
    }

    @ServerRequestFilter
    public Uni<Response> limit(ContainerRequestContext context, HttpServerRequest request) {
        if (!config.rateLimit().enabled()) {
            return Uni.createFrom().nullItem();
        }
        String address = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        return identities.getDeferredIdentity()
                .onFailure().recoverWithNull() // bad credentials count against the address, then get their 401
                .map(identity -> {
                    if (exempt(identity)) {
                        return null;
                    }
                    boolean anonymous = identity == null || identity.isAnonymous();
                    long limit = anonymous ? config.rateLimit().anonymousPerMinute() : config.rateLimit().keyPerMinute();
                    String key = anonymous ? "ip:" + address : "key:" + identity.getPrincipal().getName();
                    ConsumptionProbe probe = buckets.get(key, k -> Bucket.builder()
                                    .addLimit(Bandwidth.builder().capacity(limit).refillGreedy(limit, Duration.ofMinutes(1)).build())
                                    .build())
                            .tryConsumeAndReturnRemaining(1);
                    context.setProperty(PROBE, probe);
                    context.setProperty(LIMIT, limit);
                    if (probe.isConsumed()) {
                        return null;
                    }
                    long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill()) + 1);
                    return ProblemMappers.respond(Problem.of(429, "Too Many Requests",
                                    "rate limit of " + limit + " requests per minute exceeded; retry in " + retryAfter + " s"))
                            .header("Retry-After", Long.toString(retryAfter))
                            .header("X-RateLimit-Limit", Long.toString(limit))
                            .header("X-RateLimit-Remaining", "0")
                            .header("X-RateLimit-Reset", Long.toString(resetSeconds(probe)))
                            .build();
                });
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(PROBE) instanceof ConsumptionProbe probe && probe.isConsumed()) {
            response.getHeaders().putSingle("X-RateLimit-Limit", request.getProperty(LIMIT).toString());
            response.getHeaders().putSingle("X-RateLimit-Remaining", Long.toString(probe.getRemainingTokens()));
            response.getHeaders().putSingle("X-RateLimit-Reset", Long.toString(resetSeconds(probe)));
        }
    }

    private static boolean exempt(SecurityIdentity identity) {
        return identity != null && !identity.isAnonymous() && !identity.hasRole(Roles.ADMIN)
                && !identity.hasRole(Roles.RITUALS)
                && (identity.hasRole(Roles.AGENT_TOKEN) || identity.hasRole(Roles.AGENT));
    }

    /** Seconds until the bucket is full again. */
    private static long resetSeconds(ConsumptionProbe probe) {
        return (long) Math.ceil(probe.getNanosToWaitForReset() / 1e9);
    }
}
