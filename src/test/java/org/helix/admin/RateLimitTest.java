package org.helix.admin;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@TestProfile(RateLimitTest.Limited.class)
class RateLimitTest {

    public static class Limited implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("helix.rate-limit.enabled", "true", "helix.rate-limit.anonymous-per-minute", "20",
                    "helix.rate-limit.key-per-minute", "30");
        }
    }

    @Test
    void aBurstPastTheAnonymousLimitGets429WithHeadersAndTheServiceIsUnharmed() {
        TestDb.reset();
        List<Response> burst = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            burst.add(Api.request().get("/status"));
        }

        for (int i = 0; i < 20; i++) {
            Response r = burst.get(i);
            assertEquals(200, r.statusCode(), "request " + i);
            assertEquals("20", r.header("X-RateLimit-Limit"));
            assertEquals(Integer.toString(19 - i), r.header("X-RateLimit-Remaining"));
            assertTrue(Long.parseLong(r.header("X-RateLimit-Reset")) > 0);
        }
        for (int i = 20; i < 25; i++) {
            burst.get(i).then().statusCode(429).contentType("application/problem+json")
                    .header("Retry-After", notNullValue()).header("X-RateLimit-Remaining", equalTo("0"))
                    .header("X-RateLimit-Limit", equalTo("20"));
            assertTrue(Integer.parseInt(burst.get(i).header("Retry-After")) >= 1);
        }

        // unharmed: health, a keyed client, and agents (governed by bulkheads, not rate limits) carry on
        Api.request().get("/q/health/ready").then().statusCode(200);
        Api.admin().get("/api/rituals").then().statusCode(200).header("X-RateLimit-Limit", equalTo("30"));
        TestAgent agent = TestAgent.register("Tireless");
        for (int i = 0; i < 40; i++) {
            agent.heartbeat().then().statusCode(200);
        }
    }

    @Test
    void aKeyHasItsOwnBucket() {
        String key = Api.admin().body(Map.of("name", "busy portal", "roles", List.of("rituals")))
                .post("/admin/api-keys").then().statusCode(201).extract().path("key");
        for (int i = 0; i < 30; i++) {
            Api.as(key).get("/ucf").then().statusCode(200);
        }
        Api.as(key).get("/ucf").then().statusCode(429).header("Retry-After", notNullValue());
        Api.admin().get("/ucf").then().statusCode(200);
    }
}
