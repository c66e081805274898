package org.helix.admin;

import io.quarkus.test.junit.QuarkusTest;
import org.helix.support.Api;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Logger;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys and tokens appear once, in the answer that creates them, and never in logs, errors or other answers. */
@QuarkusTest
class SecretsTest {

    @Test
    void secretsNeverAppearInLogsErrorsOrLaterAnswers() {
        TestDb.reset();
        List<String> logged = new ArrayList<>();
        ExtHandler capture = new ExtHandler() {
            @Override
            protected void doPublish(ExtLogRecord record) {
                logged.add(record.getFormattedMessage() + " " + (record.getThrown() == null ? "" : record.getThrown()));
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        try {
            String key = Api.admin().body(Map.of("name", "portal", "roles", List.of("rituals")))
                    .post("/admin/api-keys").then().statusCode(201).extract().path("key");
            TestAgent agent = TestAgent.register("Quiet");
            Api.as(key).get("/api/rituals").then().statusCode(200);
            Api.as(key + "x").get("/api/rituals").then().statusCode(401).body(not(containsString(key)));
            Api.as("Bearer " + agent.token).get("/api/rituals").then().statusCode(401);
            Api.request().header("Authorization", "Basic " + agent.token).get("/api/rituals").then().statusCode(401);
            Api.admin().get("/admin/api-keys").then().body(not(containsString(key)));
            Api.admin().get("/admin/audit").then().body(not(containsString(key))).body(not(containsString(agent.token)));
            Api.request().get("/agents").then().body(not(containsString(agent.token)));

            for (String line : logged) {
                assertTrue(!line.contains(key) && !line.contains(agent.token) && !line.contains(Api.ADMIN_KEY),
                        "a secret was logged: " + line);
            }
        } finally {
            root.removeHandler(capture);
        }
    }
}
