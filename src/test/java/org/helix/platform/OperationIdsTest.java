package org.helix.platform;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The operationId rule on the service's paths and on ones it does not have yet. */
class OperationIdsTest {

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "POST, /api/rituals/{id}/steps/{n}/complete, completeStep",
            "POST, /api/rituals/{id}/steps/{n}/heartbeat, heartbeatStep",
            "POST, /api/rituals/{id}/cancel, cancelRitual",
            "POST, /admin/rituals/recover, recoverRituals",
            "POST, /admin/agents/reinit, reinitAgents",
            "POST, /api/sessions, createSession",
            "POST, /admin/api-keys, createApiKey",
            "GET, /api/rituals, getRituals",
            "GET, /api/rituals/{id}, getRitual",
            "GET, /api/rituals/{id}/steps, getRitualSteps",
            "GET, /ritual/status/{id}, getRitualStatus",
            "GET, /ucf/history, getUcfHistory",
            "GET, /api/categories/{id}, getCategory",
            "DELETE, /admin/api-keys/{id}, deleteApiKey",
            "PUT, /api/agents/{id}/capabilities, replaceAgentCapabilities",
            // named where the rule reads badly or collides
            "POST, /api/rituals, startRitual",
            "POST, /ritual, startRitualAlias",
            "POST, /api/agents/{id}/lease, leaseSteps",
            "GET, /.well-known/helix.json, getManifest",
    })
    void operationIdsReadAsTheCall(String method, String path, String operationId) {
        assertEquals(operationId, OperationIds.of(method, path));
    }
}
