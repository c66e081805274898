package org.helix.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.helix.support.Api;
import org.helix.support.Endpoints;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The published API document against the resources the application really has. */
@QuarkusTest
class OpenApiTest {

    @Test
    void everyEndpointIsDocumentedWithASummaryErrorsAsProblemsAndExamples() throws Exception {
        JsonPath doc = RestAssured.given().baseUri(Api.baseUri()).get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        List<String> endpoints = Endpoints.all();
        assertTrue(endpoints.size() >= 35, "found the resources: " + endpoints);

        List<String> missing = new ArrayList<>();
        List<String> defects = new ArrayList<>();
        for (String endpoint : endpoints) {
            String method = endpoint.substring(0, endpoint.indexOf(' ')).toLowerCase();
            String path = endpoint.substring(endpoint.indexOf(' ') + 1);
            Map<String, Object> operation = paths.getOrDefault(path, Map.of()).get(method);
            if (operation == null) {
                missing.add(endpoint);
                continue;
            }
            if (!(operation.get("summary") instanceof String summary) || summary.isBlank()) {
                defects.add(endpoint + ": no summary");
            }
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> responses = (Map<String, Map<String, Object>>) operation.get("responses");
            boolean problems = responses.entrySet().stream().filter(r -> r.getKey().startsWith("4"))
                    .allMatch(r -> String.valueOf(r.getValue().get("content")).contains("application/problem+json")
                            && String.valueOf(r.getValue().get("content")).contains("#/components/schemas/Problem"));
            if (!responses.containsKey("503") || !problems) {
                defects.add(endpoint + ": errors not documented as problems " + responses.keySet());
            }
            if (responses.keySet().stream().noneMatch(code -> code.startsWith("2"))) {
                defects.add(endpoint + ": no success response");
            }
            boolean open = String.valueOf(operation.get("tags")).contains("Public");
            if (!open && (operation.get("security") == null || !responses.containsKey("401"))) {
                defects.add(endpoint + ": protected but no security requirement or 401");
            }
            if (operation.get("requestBody") != null && !String.valueOf(operation.get("requestBody")).contains("example")) {
                defects.add(endpoint + ": request body without an example");
            }
        }
        assertEquals(List.of(), missing, "every resource method is in /q/openapi");
        assertEquals(List.of(), defects);

        assertTrue(paths.containsKey("/ws"), "the WebSocket is documented too");
        assertEquals("integer", doc.getString("components.schemas.Problem.properties.status.type"));
        assertEquals(108, doc.getInt("paths.'/api/rituals'.post.requestBody.content.'application/json'.example.steps"));
        assertEquals("bearer", doc.getString("components.securitySchemes.bearer.scheme"));
    }

    @Test
    void swaggerUiIsAtDocsAndTheManifestPointsThere() {
        RestAssured.given().baseUri(Api.baseUri()).get("/docs/").then().statusCode(200)
                .body(containsString("swagger"));
        RestAssured.given().baseUri(Api.baseUri()).get("/.well-known/helix.json").then().statusCode(200)
                .body("docs", endsWith("/docs")).body("openapi", endsWith("/q/openapi"));
    }
}
