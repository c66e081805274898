package org.helix.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.helix.support.Api;
import org.helix.support.Endpoints;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The published API document against the resources the application really has. */
@QuarkusTest
class OpenApiTest {

    /** The committed copy that the test client is generated from (pom.xml) and that .ci/openapi/lint checks. */
    static final Path COMMITTED = Path.of("api/openapi.json");
    static final Path SERVED = Path.of("target/openapi/served.json");

    @Test
    void everyEndpointIsDocumentedWithASummaryErrorsAsProblemsAndExamples() throws Exception {
        JsonPath doc = RestAssured.given().baseUri(Api.baseUri()).get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        List<String> endpoints = Endpoints.all();
        List<String> secured = Endpoints.secured();
        assertTrue(endpoints.size() >= 35, "found the resources: " + endpoints);
        assertTrue(secured.size() >= 25 && secured.size() < endpoints.size(), "found the secured ones: " + secured);

        List<String> missing = new ArrayList<>();
        List<String> defects = new ArrayList<>();
        Set<String> operationIds = new HashSet<>();
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
            if (!(operation.get("operationId") instanceof String id) || !id.matches("[a-z][A-Za-z0-9]*")
                    || !operationIds.add(id)) {
                defects.add(endpoint + ": no operationId, not an identifier, or not unique: " + operation.get("operationId"));
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
            Object security = operation.get("security");
            if (secured.contains(endpoint)) {
                if (!List.of(Map.of("bearer", List.of())).equals(security) || !responses.containsKey("401")) {
                    defects.add(endpoint + ": protected, but not documented as needing the bearer scheme: " + security);
                }
            } else if (!List.of().equals(security) || responses.containsKey("401")) {
                defects.add(endpoint + ": public, but not documented with an explicit empty security: " + security);
            }
            if (operation.get("requestBody") != null && !String.valueOf(operation.get("requestBody")).contains("example")) {
                defects.add(endpoint + ": request body without an example");
            }
        }
        assertEquals(List.of(), missing, "every resource method is in /q/openapi");
        assertEquals(List.of(), defects);

        assertEquals(List.of("startRitual", "getRitual", "registerAgent", "leaseSteps", "completeStep"), List.of(
                doc.getString("paths.'/api/rituals'.post.operationId"),
                doc.getString("paths.'/api/rituals/{id}'.get.operationId"),
                doc.getString("paths.'/api/agents'.post.operationId"),
                doc.getString("paths.'/api/agents/{id}/lease'.post.operationId"),
                doc.getString("paths.'/api/rituals/{id}/steps/{n}/complete'.post.operationId")));
        assertFalse(doc.getList("servers").isEmpty(), "a client needs a server, even a relative one");
        assertTrue(doc.getString("tags.find { it.name == 'Sessions' }.description").contains("/ws"),
                "the WebSocket is documented too");
        assertEquals("integer", doc.getString("components.schemas.Problem.properties.status.type"));
        assertEquals(108, doc.getInt("paths.'/api/rituals'.post.requestBody.content.'application/json'.example.steps"));
        assertEquals("bearer", doc.getString("components.securitySchemes.bearer.scheme"));
    }

    @Test
    void propertiesAreNamedAsOnTheWire() {
        JsonPath doc = RestAssured.given().baseUri(Api.baseUri()).get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Map<String, Object>> schemas = doc.getMap("components.schemas");
        List<String> camel = new ArrayList<>();
        schemas.forEach((name, schema) -> propertyNames(name, schema, camel));
        assertTrue(camel.size() > 100, "found the properties: " + camel.size());
        camel.removeIf(property -> property.substring(property.lastIndexOf('.') + 1).matches("[a-z][a-z0-9]*(_[a-z0-9]+)*"));
        assertEquals(List.of(), camel, "snake_case, as quarkus.jackson.property-naming-strategy writes them");
        assertEquals(List.of("lease_token"), doc.getList("components.schemas.CompleteStepRequest.required"));
        assertTrue(doc.getMap("components.schemas.RitualView.properties").containsKey("steps_completed"));
    }

    /** Collects "Schema.property" for every property at any depth, required ones included. */
    @SuppressWarnings("unchecked")
    private static void propertyNames(String where, Object node, List<String> out) {
        if (node instanceof Map<?, ?> map) {
            if (map.get("properties") instanceof Map<?, ?> properties) {
                properties.keySet().forEach(p -> out.add(where + "." + p));
            }
            if (map.get("required") instanceof List<?> required) {
                required.forEach(p -> out.add(where + ".required." + p));
            }
            map.forEach((key, value) -> propertyNames(where, value, out));
        } else if (node instanceof List<?> list) {
            list.forEach(value -> propertyNames(where, value, out));
        }
    }

    /**
     * The test client is generated from the committed copy at build time, so the copy must be what the service
     * serves. After an API change: cp target/openapi/served.json api/openapi.json and review the diff.
     */
    @Test
    void theCommittedDocumentIsTheServedOne() throws Exception {
        String served = RestAssured.given().baseUri(Api.baseUri()).get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        Files.createDirectories(SERVED.getParent());
        Files.writeString(SERVED, served);
        ObjectMapper json = new ObjectMapper();
        JsonNode committed = json.readTree(COMMITTED.toFile());
        assertTrue(json.readTree(served).equals(committed), COMMITTED + " is not the document /q/openapi serves: "
                + "after an API change, cp " + SERVED + " " + COMMITTED + " and review the diff");
    }

    @Test
    void swaggerUiIsAtDocsAndTheManifestPointsThere() {
        RestAssured.given().baseUri(Api.baseUri()).get("/docs/").then().statusCode(200)
                .body(containsString("swagger"));
        RestAssured.given().baseUri(Api.baseUri()).get("/.well-known/helix.json").then().statusCode(200)
                .body("docs", endsWith("/docs")).body("openapi", endsWith("/q/openapi"));
    }
}
