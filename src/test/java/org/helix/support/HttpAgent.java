package org.helix.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * An external agent over plain HTTP (java.net.http), for tests against a separately running application:
 * it survives the application going away and coming back, as a real worker must.
 */
public final class HttpAgent {

    public record Reply(int status, JsonObject body) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final String name;
    public final UUID id;
    public final String token;
    private final Supplier<String> base;

    private HttpAgent(String name, UUID id, String token, Supplier<String> base) {
        this.name = name;
        this.id = id;
        this.token = token;
        this.base = base;
    }

    public static HttpAgent register(Supplier<String> base, String adminKey, String name) throws Exception {
        Reply r = call(base.get() + "/api/agents", adminKey, new JsonObject().put("name", name));
        if (r.status() != 201) {
            throw new IllegalStateException("registration failed: " + r);
        }
        return new HttpAgent(name, UUID.fromString(r.body().getString("agent_id")), r.body().getString("token"), base);
    }

    public Reply lease(int waitSeconds, int max) throws IOException, InterruptedException {
        return call(base.get() + "/api/agents/" + id + "/lease?wait_seconds=" + waitSeconds + "&max=" + max, token, null);
    }

    public Reply complete(UUID ritual, int step, UUID leaseToken, boolean leaseNext) throws IOException, InterruptedException {
        return call(base.get() + "/api/rituals/" + ritual + "/steps/" + step + "/complete", token,
                new JsonObject().put("lease_token", leaseToken.toString()).put("lease_next", leaseNext));
    }

    public Reply heartbeat() throws IOException, InterruptedException {
        return call(base.get() + "/api/agents/" + id + "/heartbeat", token, new JsonObject().put("workload", 0));
    }

    public static JsonArray leases(Reply r) {
        return r.status() == 200 ? r.body().getJsonArray("leases") : new JsonArray();
    }

    public static Reply call(String url, String key, JsonObject body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(40))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String text = response.body();
        return new Reply(response.statusCode(), text == null || text.isBlank() || !text.startsWith("{") ? new JsonObject()
                : new JsonObject(text));
    }

    public static Reply get(String url, String key) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body().startsWith("{") ? new JsonObject(response.body()) : new JsonObject());
    }
}
