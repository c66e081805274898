package org.helix.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import org.helix.support.Api;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The published API document against the resources the application really has. */
@QuarkusTest
class OpenApiTest {

    @Test
    void everyEndpointIsDocumentedWithASummaryErrorsAsProblemsAndExamples() throws Exception {
        JsonPath doc = RestAssured.given().baseUri(Api.baseUri()).get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        List<String> endpoints = endpoints();
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

    /** "METHOD /path" of every JAX-RS resource method compiled into the application. */
    static List<String> endpoints() throws IOException, ClassNotFoundException {
        java.nio.file.Path classes = java.nio.file.Path.of("target/classes");
        List<String> names;
        try (Stream<java.nio.file.Path> files = Files.walk(classes)) {
            names = files.map(f -> classes.relativize(f).toString()).filter(n -> n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - 6).replace('/', '.')).toList();
        }
        TreeSet<String> endpoints = new TreeSet<>();
        for (String name : names) {
            Class<?> type = Class.forName(name, false, OpenApiTest.class.getClassLoader());
            Path root = type.getAnnotation(Path.class);
            if (root == null) {
                continue;
            }
            for (Method method : type.getDeclaredMethods()) {
                for (Annotation annotation : method.getAnnotations()) {
                    HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
                    if (http != null) {
                        Path sub = method.getAnnotation(Path.class);
                        String path = ("/" + root.value() + "/" + (sub == null ? "" : sub.value())).replaceAll("/+", "/");
                        endpoints.add(http.value() + " " + (path.length() > 1 ? path.replaceAll("/$", "") : path));
                    }
                }
            }
        }
        assertFalse(endpoints.isEmpty());
        return List.copyOf(endpoints);
    }
}
