package org.helix.support;

import io.restassured.response.Response;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;


/** An agent speaking HTTP, as an external worker would. */
public final class TestAgent {

    public final String name;
    public final UUID id;
    public final String token;

    private TestAgent(String name, UUID id, String token) {
        this.name = name;
        this.id = id;
        this.token = token;
    }

    public static TestAgent register(String name) {
        Response r = Api.admin().body(Map.of("name", name, "symbol", "*", "role", "test", "layer", "test"))
                .post("/api/agents");
        r.then().statusCode(201);
        return new TestAgent(name, UUID.fromString(r.path("agent_id")), r.path("token"));
    }

    /** An agent a test registered itself. */
    public static TestAgent of(String name, UUID id, String token) {
        return new TestAgent(name, id, token);
    }

    public io.restassured.specification.RequestSpecification call() {
        return Api.as(token);
    }

    /** Leases at most one step, waiting up to {@code waitSeconds}; null when nothing came. */
    public Lease lease(int waitSeconds) {
        Response r = call().post("/api/agents/" + id + "/lease?wait_seconds=" + waitSeconds + "&max=1");
        if (r.statusCode() == 204) {
            return null;
        }
        r.then().statusCode(200);
        List<Map<String, Object>> leases = r.path("leases");
        return Lease.of(leases.get(0));
    }

    public Response complete(Lease lease) {
        return complete(lease, false);
    }

    public Response complete(Lease lease, boolean leaseNext) {
        Map<String, Object> body = new HashMap<>();
        body.put("lease_token", lease.token().toString());
        body.put("lease_next", leaseNext);
        return call().body(body).post("/api/rituals/" + lease.ritualId() + "/steps/" + lease.step() + "/complete");
    }

    public Response fail(Lease lease, String error, boolean retryable) {
        return call().body(Map.of("lease_token", lease.token().toString(), "error", error, "retryable", retryable))
                .post("/api/rituals/" + lease.ritualId() + "/steps/" + lease.step() + "/fail");
    }

    public Response heartbeat() {
        return call().body(Map.of("workload", 0)).post("/api/agents/" + id + "/heartbeat");
    }

    public record Lease(UUID ritualId, int step, int attempt, UUID token) {
        public static Lease of(Map<String, Object> json) {
            return new Lease(UUID.fromString((String) json.get("ritual_id")), (Integer) json.get("step"),
                    (Integer) json.get("attempt"), UUID.fromString((String) json.get("lease_token")));
        }
    }
}
