package org.helix.platform;

import com.fasterxml.jackson.databind.DeserializationFeature;
import io.quarkus.test.junit.QuarkusTest;
import org.helix.client.ApiClient;
import org.helix.client.ApiException;
import org.helix.client.api.AgentsApi;
import org.helix.client.api.OperatorsApi;
import org.helix.client.api.RitualsApi;
import org.helix.client.model.CompleteStepRequest;
import org.helix.client.model.Completed;
import org.helix.client.model.CreateKey;
import org.helix.client.model.LeaseGrant;
import org.helix.client.model.Leases;
import org.helix.client.model.Problem;
import org.helix.client.model.RegisterAgentRequest;
import org.helix.client.model.Registration;
import org.helix.client.model.RitualAccepted;
import org.helix.client.model.RitualStatus;
import org.helix.client.model.RitualView;
import org.helix.client.model.StartRitualRequest;
import org.helix.client.model.StepStatus;
import org.helix.client.model.StepView;
import org.helix.support.Api;
import org.helix.support.TestDb;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A client generated from the published document (pom.xml: openapi-generator, Java native library) speaks to
 * the service: what it sends is named as the service reads it, and what it receives has no property the
 * document does not describe (unknown properties fail here, unlike in the generated default).
 */
@QuarkusTest
class GeneratedClientTest {

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    @Test
    void aGeneratedClientStartsARitualAndAnAgentWorksItToTheEnd() throws Exception {
        OperatorsApi operators = new OperatorsApi(client(Api.ADMIN_KEY));
        String portalKey = operators.createApiKey(new CreateKey().name("portal").roles(List.of("rituals"))).getKey();
        String workerKey = operators.createApiKey(new CreateKey().name("workers").roles(List.of("agent"))).getKey();

        RitualsApi portal = new RitualsApi(client(portalKey));
        RitualAccepted accepted = portal.startRitual(new StartRitualRequest().steps(2).mantra("Om Shanti"),
                "client-" + UUID.randomUUID());
        UUID ritual = accepted.getRitualId();
        assertEquals("initiated", accepted.getStatus());

        Registration registration = new AgentsApi(client(workerKey)).registerAgent(new RegisterAgentRequest()
                .name("Kael").symbol("🜂").role("Ethical Vanguard").layer("core").capabilities(List.of("recite")));
        ApiClient agent = client(registration.getToken());
        AgentsApi kael = new AgentsApi(agent);
        String self = registration.getAgentId().toString();

        Leases leases = kael.leaseSteps(self, "5", "1");
        LeaseGrant first = leases.getLeases().get(0);
        assertEquals(ritual, first.getRitualId());
        assertEquals(1, first.getStep());
        assertEquals("Om Shanti", first.getMantra());

        Completed one = kael.completeStep(ritual.toString(), "1", new CompleteStepRequest()
                .leaseToken(first.getLeaseToken()).output(Map.of("recited", "Om Shanti")).leaseNext(true));
        assertEquals(StepStatus.COMPLETED, one.getStatus());
        LeaseGrant second = one.getNextLease();
        assertEquals(2, second.getStep());
        Completed two = kael.completeStep(ritual.toString(), "2", new CompleteStepRequest()
                .leaseToken(second.getLeaseToken()));
        assertEquals(RitualStatus.COMPLETED, two.getRitualStatus());
        assertNull(two.getNextLease());

        RitualView view = portal.getRitual(ritual.toString());
        assertEquals(RitualStatus.COMPLETED, view.getStatus());
        assertEquals(2, view.getStepsCompleted());
        assertNotNull(view.getUcfAfter());
        List<StepView> steps = portal.getRitualSteps(ritual.toString()).get("steps");
        assertEquals(List.of(StepStatus.COMPLETED, StepStatus.COMPLETED), steps.stream().map(StepView::getStatus).toList());
        assertEquals("Kael", steps.get(0).getAgent());

        ApiException stale = assertThrows(ApiException.class, () -> kael.completeStep(ritual.toString(), "1",
                new CompleteStepRequest().leaseToken(first.getLeaseToken())));
        assertEquals(409, stale.getCode());
        Problem problem = agent.getObjectMapper().readValue(stale.getResponseBody(), Problem.class);
        assertEquals(409, problem.getStatus());
    }

    private static ApiClient client(String key) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(Api.baseUri());
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + key));
        client.getObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        return client;
    }
}
