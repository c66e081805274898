package org.helix.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;

/** The service's HTTP API as the agent protocol uses it: JSON bodies, bearer credentials, problem+json answers. */
final class Api {

    /** An answer: its status, its JSON body (a missing node when it had none) and its Retry-After. */
    record Reply(int status, JsonNode body, Duration retryAfter) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** Worth trying again later: the service is overloaded, restarting or lost its database. */
        boolean retryable() {
            return status >= 500 || status == 429 || status == 408;
        }

        /** The problem's detail, for messages. */
        String detail() {
            String detail = body.path("detail").asText("");
            return status + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    interface Observer {
        void answered(String method, String path, int status);
    }

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;
    private final Duration timeout;
    private final Observer observer;

    Api(HttpClient http, String base, Duration timeout, Observer observer) {
        this.http = http;
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.timeout = timeout;
        this.observer = observer;
    }

    static HttpClient defaultClient() {
        // HTTP/1.1: each parked long-poll on its own connection, no h2c upgrade dance
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    Reply post(String path, String bearer, Object body) throws IOException, InterruptedException {
        return post(path, bearer, body, timeout);
    }

    /** Blocking; an interrupt of the calling thread abandons the exchange (and its connection). */
    Reply post(String path, String bearer, Object body, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(path, bearer, body, timeout), HttpResponse.BodyHandlers.ofString());
        return reply(path, response);
    }

    CompletableFuture<Reply> postAsync(String path, String bearer, Object body) {
        return http.sendAsync(request(path, bearer, body, timeout), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> reply(path, response));
    }

    private HttpRequest request(String path, String bearer, Object body, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Authorization", "Bearer " + bearer).header("Accept", "application/json");
        if (body == null) {
            builder.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            try {
                builder.header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            } catch (IOException e) {
                throw new IllegalArgumentException("not serialisable as JSON: " + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    private Reply reply(String path, HttpResponse<String> response) {
        observer.answered("POST", path, response.statusCode());
        JsonNode body = MissingNode.getInstance();
        String text = response.body();
        if (text != null && !text.isBlank()) {
            try {
                body = JSON.readTree(text);
            } catch (IOException e) {
                // not JSON (a proxy's error page): the status says enough
            }
        }
        return new Reply(response.statusCode(), body,
                retryAfter(response.headers().firstValue("Retry-After").orElse(null), Instant.now()));
    }

    /** Retry-After as delay-seconds or an HTTP-date; null when absent or unreadable. */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException ignored) {
                return null;
            }
        }
    }
}
