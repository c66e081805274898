package org.helix.platform;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A body past {@code quarkus.http.limits.max-body-size} is refused before it is read, and — like every error
 * of the service — as problem+json (the HTTP layer would otherwise answer a bare 413).
 */
@ApplicationScoped
public class HttpProblems {

    private final long maxBodySize;

    public HttpProblems(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodySize = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            if (length != null && length.length() < 19 && length.chars().allMatch(Character::isDigit)
                    && Long.parseLong(length) > maxBodySize) {
                ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE)
                        .putHeader("Connection", "close")
                        .end(Json.encode(Problem.of(413, "Payload Too Large",
                                "request bodies are limited to " + maxBodySize / 1024 + " KiB")));
                return;
            }
            ctx.next();
        });
    }
}
