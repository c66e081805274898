package org.helix.support;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** The API as clients call it, with the test profile's bootstrap admin key at hand. */
public final class Api {

    public static final String ADMIN_KEY = "test-admin-key";

    private Api() {
    }

    /** A request whose JSON numbers read as doubles, so assertions compare the field at full precision. */
    public static RequestSpecification request() {
        return given().config(RestAssured.config().jsonConfig(io.restassured.config.JsonConfig.jsonConfig()
                .numberReturnType(io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE)));
    }

    public static RequestSpecification as(String key) {
        return request().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    public static RequestSpecification admin() {
        return as(ADMIN_KEY);
    }

    /** Starts a ritual as admin and returns its id. */
    public static UUID startRitual(Map<String, Object> body) {
        return UUID.fromString(admin().body(body).post("/api/rituals").then().statusCode(202)
                .extract().path("ritual_id"));
    }

    public static Response ritual(UUID id) {
        return admin().get("/api/rituals/" + id);
    }

    public static String status(UUID id) {
        return ritual(id).then().statusCode(200).extract().path("status");
    }

    public static String baseUri() {
        return RestAssured.baseURI + ":" + RestAssured.port;
    }
}
