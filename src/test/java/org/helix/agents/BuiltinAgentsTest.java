package org.helix.agents;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.helix.support.Api;
import org.helix.support.TestDb;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@TestProfile(BuiltinAgentsTest.Enabled.class)
class BuiltinAgentsTest {

    public static class Enabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            TestDb.reset();
            return Map.of("helix.builtin-agents.enabled", "true", "helix.builtin-agents.work-time", "5ms");
        }
    }

    @Test
    void theCollectiveRegistersAndCarriesAFullRitualThroughTheLeaseProtocol() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                Api.request().get("/agents").then().body("active", equalTo(14)));
        List<String> names = Api.request().get("/agents").path("agents.name");
        assertTrue(names.containsAll(List.of("Kael", "Lumina", "Vega", "Gemini", "Agni", "Kavach", "SanghaCore",
                "Shadow", "Echo", "Phoenix", "Oracle", "Claude", "Manus", "MemoryRoot")));

        UUID ritual = Api.startRitual(Map.of());

        await().atMost(Duration.ofSeconds(30)).until(() -> Api.status(ritual).equals("COMPLETED"));
        Api.ritual(ritual).then().body("steps_completed", equalTo(108));
        List<String> agents = Api.admin().get("/api/rituals/" + ritual + "/steps").path("steps.agent");
        assertTrue(names.containsAll(agents));
        assertEquals(108, TestDb.count("select count(*) from step where ritual_id = '" + ritual + "' and attempt = 1"));
    }
}
