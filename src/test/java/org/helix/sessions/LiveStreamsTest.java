package org.helix.sessions;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.helix.events.EventHousekeeping;
import org.helix.events.EventHub;
import org.helix.events.Subscriber;
import org.helix.support.Api;
import org.helix.support.RawWebSocket;
import org.helix.support.TestAgent;
import org.helix.support.TestDb;
import org.helix.support.WsClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event log, /ws and SSE (test profile: ping 1 s, idle timeout 3 s, outbound queue 64). */
@QuarkusTest
class LiveStreamsTest {

    @Inject
    EventHousekeeping housekeeping;

    @Inject
    EventHub hub;

    @BeforeEach
    void clean() {
        TestDb.reset();
    }

    static int port() {
        return RestAssured.port;
    }

    @Test
    void aBareConnectGetsASessionThenLiveEventsInIdOrder() throws Exception {
        TestAgent kael = TestAgent.register("Kael");
        try (WsClient ws = WsClient.connect(port(), null)) {
            JsonObject hello = ws.next(5);
            assertEquals("session", hello.getString("event"));
            assertNotNull(hello.getString("session_id"));
            assertNotNull(hello.getString("resume_token"));

            UUID ritual = Api.startRitual(Map.of("steps", 2));
            kael.complete(kael.lease(1)).then().statusCode(200);
            kael.complete(kael.lease(1)).then().statusCode(200);

            List<JsonObject> events = new ArrayList<>();
            JsonObject completion = null;
            while (completion == null) {
                JsonObject e = ws.next(5);
                assertNotNull(e, "events keep coming");
                if (e.getString("ritual_id") != null && e.getString("ritual_id").equals(ritual.toString())) {
                    events.add(e);
                }
                if ("ritual_completion".equals(e.getString("event"))) {
                    completion = e;
                }
            }
            assertEquals(List.of("ritual_progress", "ritual_progress", "ritual_progress", "ritual_completion"),
                    events.stream().map(e -> e.getString("event")).toList());
            for (int i = 1; i < events.size(); i++) {
                assertTrue(events.get(i).getLong("id") > events.get(i - 1).getLong("id"));
            }
            assertEquals(2, completion.getJsonObject("ritual").getInteger("steps"));
            assertNotNull(completion.getJsonObject("ucf_before"));
            assertNotNull(completion.getJsonObject("ucf_after"));
            assertNotNull(completion.getJsonObject("ritual").getValue("duration_seconds"));
            assertNotNull(completion.getString("timestamp"));
        }
    }

    @Test
    void resumingAfterMissing200EventsReplaysThemAllInOrderWithoutDuplicates() throws Exception {
        TestAgent kael = TestAgent.register("Kael");
        String session;
        String token;
        long last;
        try (WsClient ws = WsClient.connect(port(), null)) {
            JsonObject hello = ws.next(5);
            session = hello.getString("session_id");
            token = hello.getString("resume_token");
            Api.startRitual(Map.of("steps", 1));
            last = ws.next("ritual_progress", 5).getLong("id");
        }
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        TestDb.execute("""
                insert into event (type, ritual_id, created_at, payload)
                select 'alert', null, now(), jsonb_build_object('n', n) from generate_series(1, 250) n""");
        kael.complete(kael.lease(1)).then().statusCode(200);
        List<Long> missed = ids("select id from event where id > " + last + " order by id");
        assertTrue(missed.size() >= 200, "missed " + missed.size());

        try (WsClient ws = WsClient.connect(port(), "session_id=" + session + "&resume_token=" + token
                + "&last_event_id=" + last)) {
            assertEquals(session, ws.next(5).getString("session_id"));
            List<Long> received = new ArrayList<>();
            while (received.size() < missed.size()) {
                JsonObject e = ws.next(5);
                assertNotNull(e, "replay stalled after " + received.size());
                received.add(e.getLong("id"));
            }
            assertEquals(missed, received);
            Api.admin().post("/api/rituals/" + ritual + "/cancel");
            JsonObject live = ws.next(5);
            assertTrue(live.getLong("id") > missed.get(missed.size() - 1), "then live events follow");
        }
    }

    @Test
    void aClientFollowingChosenRitualsGetsOnlyTheirEventsAndTheGlobalOnes() throws Exception {
        TestAgent kael = TestAgent.register("Kael");
        UUID followed = Api.startRitual(Map.of("steps", 1, "participants", List.of("Kael")));
        try (WsClient ws = WsClient.connect(port(), "rituals=" + followed)) {
            ws.next(5);
            UUID other = Api.startRitual(Map.of("steps", 1));
            kael.complete(kael.lease(1)).then().statusCode(200);
            kael.complete(kael.lease(1)).then().statusCode(200);
            JsonObject completion = ws.next("ritual_completion", 5);
            assertEquals(followed.toString(), completion.getString("ritual_id"));
            Thread.sleep(300);
            for (JsonObject e : ws.drain()) {
                assertTrue(e.getString("ritual_id") == null || e.getString("ritual_id").equals(followed.toString()),
                        "unexpected " + e + " (other ritual " + other + ")");
            }
        }
    }

    @Test
    void subscribingByMessageNarrowsTheStreamAndTheFilterIsBounded() throws Exception {
        TestAgent kael = TestAgent.register("Kael");
        UUID followed = Api.startRitual(Map.of("steps", 1, "participants", List.of("Kael")));
        try (WsClient ws = WsClient.connect(port(), null)) {
            ws.next(5);
            ws.send(new JsonObject().put("subscribe", new JsonArray().add(followed.toString())));
            Thread.sleep(200);
            UUID other = Api.startRitual(Map.of("steps", 1));
            kael.complete(kael.lease(1)).then().statusCode(200);
            assertEquals(followed.toString(), ws.next("ritual_completion", 5).getString("ritual_id"));
            Thread.sleep(300);
            assertTrue(ws.drain().stream().noneMatch(e -> other.toString().equals(e.getString("ritual_id"))),
                    "nothing of the ritual it did not subscribe to");

            for (int batch = 0; batch < 11; batch++) {
                JsonArray ids = new JsonArray();
                for (int i = 0; i < 100; i++) {
                    ids.add(UUID.randomUUID().toString());
                }
                ws.send(new JsonObject().put("subscribe", ids));
            }
            JsonObject error = ws.next("error", 5);
            assertTrue(error.getString("message").contains("at most 1000 rituals"), error.encode());
            assertTrue(!ws.closed.isDone(), "the connection stays open");
        }
    }

    @Test
    void operatorsListEndAndPurgeSessionsAndEachActionIsAudited() throws Exception {
        String first = Api.admin().post("/api/sessions").then().statusCode(201).extract().path("session_id");
        Map<String, Object> second = Api.admin().post("/api/sessions").then().statusCode(201).extract().as(Map.class);
        WsClient ws = WsClient.connect(port(), "session_id=" + second.get("session_id") + "&resume_token="
                + second.get("resume_token"));
        ws.next(5);
        List<String> listed = Api.admin().get("/admin/sessions").then().statusCode(200).extract().path("sessions.session_id");
        assertTrue(listed.containsAll(List.of(first, (String) second.get("session_id"))), listed.toString());

        Api.admin().delete("/admin/sessions/" + first).then().statusCode(204);
        Api.admin().delete("/admin/sessions/" + first).then().statusCode(404);
        Api.admin().post("/admin/sessions/purge?scope=all").then().statusCode(200).body("purged", equalTo(1));

        assertEquals(Short.valueOf((short) 4401), ws.closed.get(5, TimeUnit.SECONDS), "purge closed the live connection");
        assertEquals(0, TestDb.count("select count(*) from client_session"));
        assertEquals(1, TestDb.count("select count(*) from audit_entry where action = 'sessions.end' and outcome = 'ok'"
                + " and target = 'session:" + first + "'"));
        assertEquals(1, TestDb.count("select count(*) from audit_entry where action = 'sessions.end'"
                + " and outcome like 'refused%'"));
        assertEquals(1, TestDb.count("select count(*) from audit_entry where action = 'sessions.purge'"
                + " and after->>'purged' = '1'"));
        ws.close();
    }

    @Test
    void fiveHundredAbruptlyDroppedSocketsLeaveNothingBehind() throws Exception {
        int baseline = Api.request().get("/ws/stats").path("active_connections");
        List<RawWebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            sockets.add(RawWebSocket.open(port(), null, 0));
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                Api.request().get("/ws/stats").then().body("active_connections", equalTo(baseline + 500)));
        assertEquals(500, TestDb.count("select count(*) from client_session where implicit"));

        for (RawWebSocket socket : sockets) {
            socket.drop();
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                Api.request().get("/ws/stats").then().body("active_connections", equalTo(baseline)));
        // idle timeout 3 s + one session sweep (1 s)
        await().atMost(Duration.ofSeconds(8)).until(() ->
                TestDb.count("select count(*) from client_session where implicit") == 0);
        Api.request().get("/ws/stats").then().body("sessions_active", equalTo(0));
    }

    @Test
    void aClientThatAnswersPingsKeepsItsSessionPastTheIdleTimeout() throws Exception {
        try (WsClient ws = WsClient.connect(port(), null)) {
            String session = ws.next(5).getString("session_id");
            // past the idle timeout (3 s) and the sweep after it (1 s); Vert.x answers the server's 1 s pings
            await().during(Duration.ofMillis(4_500)).atMost(Duration.ofSeconds(6))
                    .until(() -> !ws.closed.isDone());
            assertEquals(1, TestDb.count("select count(*) from client_session where id = '" + session + "'"));
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTwoPingIntervals() throws Exception {
        try (RawWebSocket silent = RawWebSocket.open(port(), null, 0)) {
            long started = System.nanoTime();
            // the raw client never answers pings
            assertEquals(4408, silent.awaitCloseCode());
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertTrue(seconds >= 2 && seconds <= 5, "closed after " + seconds + " s");
        }
    }

    /**
     * A burst of 3,000 events of 4 KB, ten times the outbound queue (256 in the test profile). A fast client and a
     * steady one that reads far slower than the burst arrives each get every event in order and are never closed:
     * a stream that falls behind reads on from the event log instead of being dropped, and the pump never waits
     * for anyone. A client that stops reading is closed: 1013 once its writes stall (after the kernel's socket
     * buffers, several MB on loopback, are full), or 4408 when it has not answered two pings, whichever comes
     * first. {@link #aStreamWhoseWritesStallIsClosedWith1013AndHoldsNobodyBack} pins the 1013 without the kernel.
     */
    @Test
    void aBurstTenTimesTheQueueReachesFastAndSlowReadersWhileAStoppedOneIsClosed() throws Exception {
        try (WsClient fast = WsClient.connect(port(), null);
             RawWebSocket steady = RawWebSocket.open(port(), null, 4096);
             RawWebSocket stopped = RawWebSocket.open(port(), null, 4096)) {
            fast.next(5);
            assertEquals("session", new JsonObject(steady.readText()).getString("event"));
            insertBurst(3000);

            CompletableFuture<Long> steadyRead = CompletableFuture.supplyAsync(() -> {
                long last = 0;
                try {
                    while (last < 3000) {
                        String text = steady.readText();
                        assertNotNull(text, "the steady reader was closed after event " + last);
                        JsonObject e = new JsonObject(text);
                        if ("alert".equals(e.getString("event"))) {
                            assertEquals(last + 1, e.getLong("n"));
                            last = e.getLong("n");
                            if (last % 100 == 0) {
                                Thread.sleep(5); // far slower than the burst arrives
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return last;
            });

            long lastN = 0;
            while (lastN < 3000) {
                JsonObject e = fast.next(10);
                assertNotNull(e, "the fast client stalled after event " + lastN + " (closed: "
                        + fast.closed.getNow(null) + ")");
                if ("alert".equals(e.getString("event"))) {
                    assertEquals(lastN + 1, e.getLong("n"));
                    lastN = e.getLong("n");
                }
            }
            assertEquals(3000, steadyRead.get(60, TimeUnit.SECONDS));
            assertTrue(List.of(1013, 4408).contains(stopped.awaitCloseCode()));
            assertTrue(!fast.closed.isDone(), "the fast client is never closed");
        }
    }

    /**
     * A stream whose writes never complete (a consumer that stopped reading once its buffers were full) is closed
     * with 1013 within the stall timeout (500 ms in the test profile), while a WebSocket client receives every
     * event of the same burst — before the stalled one is even closed, so it never waited for it.
     */
    @Test
    void aStreamWhoseWritesStallIsClosedWith1013AndHoldsNobodyBack() throws Exception {
        CompletableFuture<Long> closedAt = new CompletableFuture<>();
        Subscriber stalled = new Subscriber() {
            @Override
            public java.util.Set<UUID> rituals() {
                return java.util.Set.of();
            }

            @Override
            public io.smallrye.mutiny.Uni<Void> send(org.helix.events.Event event) {
                return io.smallrye.mutiny.Uni.createFrom().nothing();
            }

            @Override
            public void overflow() {
                closedAt.complete(System.nanoTime());
            }
        };
        try (WsClient fast = WsClient.connect(port(), null)) {
            fast.next(5);
            hub.subscribe(stalled, null).await().atMost(Duration.ofSeconds(5));
            long burstAt = System.nanoTime();
            insertBurst(1000);
            long lastN = 0;
            long threeHundredAt = 0;
            while (lastN < 1000) {
                JsonObject e = fast.next(10);
                assertNotNull(e, "the fast client stalled after event " + lastN);
                if ("alert".equals(e.getString("event"))) {
                    lastN = e.getLong("n");
                    if (lastN == 300) {
                        threeHundredAt = System.nanoTime();
                    }
                }
            }
            long closed = closedAt.get(10, TimeUnit.SECONDS);
            assertTrue(closed - burstAt >= Duration.ofMillis(500).toNanos(), "closed only after the stall timeout");
            // a hub that paced streams together would hold everyone at the stalled stream's window (16 events)
            assertTrue(threeHundredAt < closed, "the fast client had 300 events "
                    + (threeHundredAt - burstAt) / 1_000_000 + " ms after the burst; the stalled stream was closed after "
                    + (closed - burstAt) / 1_000_000 + " ms");
        }
    }

    private static void insertBurst(int events) {
        TestDb.execute("""
                insert into event (type, ritual_id, created_at, payload)
                select 'alert', null, now(), jsonb_build_object('n', n, 'pad', repeat('x', 4000))
                from generate_series(1, %d) n""".formatted(events));
    }

    @Test
    void fiftySessionsCreatedByOnePrincipalLeaveFive() {
        List<CompletableFuture<Integer>> calls = Stream.generate(() -> CompletableFuture.supplyAsync(() ->
                Api.admin().post("/api/sessions").statusCode())).limit(50).toList();
        assertTrue(calls.stream().map(CompletableFuture::join).allMatch(code -> code == 201));

        assertEquals(5, TestDb.count("select count(*) from client_session where principal = 'key:bootstrap-admin'"));
    }

    @Test
    void theOldestSessionIsEvictedAndItsConnectionClosed() throws Exception {
        Map<String, Object> first = Api.admin().post("/api/sessions").then().statusCode(201)
                .body("idle_timeout_seconds", equalTo(3)).extract().as(Map.class);
        try (WsClient ws = WsClient.connect(port(), "session_id=" + first.get("session_id")
                + "&resume_token=" + first.get("resume_token"))) {
            assertEquals(first.get("session_id"), ws.next(5).getString("session_id"));
            assertNull(ws.next(5).getString("resume_token"), "a resumed session's token is not repeated");
            for (int i = 0; i < 5; i++) {
                Api.admin().post("/api/sessions").then().statusCode(201);
            }
            assertEquals(Short.valueOf((short) 4401), ws.closed.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void logoutInvalidatesTheSessionAtOnce() throws Exception {
        Map<String, Object> session = Api.admin().post("/api/sessions").then().statusCode(201).extract().as(Map.class);
        String query = "session_id=" + session.get("session_id") + "&resume_token=" + session.get("resume_token");
        WsClient ws = WsClient.connect(port(), query);
        ws.next(5);

        Api.admin().delete("/api/sessions/" + session.get("session_id")).then().statusCode(204);

        assertEquals(Short.valueOf((short) 4401), ws.closed.get(5, TimeUnit.SECONDS));
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> WsClient.connect(port(), query));
        assertTrue(refused.getMessage().contains("404"), refused.getMessage());
        Api.admin().delete("/api/sessions/" + session.get("session_id")).then().statusCode(404);
        ws.close();
    }

    @Test
    void aWrongResumeTokenIsRefused() throws Exception {
        Map<String, Object> session = Api.admin().post("/api/sessions").then().statusCode(201).extract().as(Map.class);
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () ->
                WsClient.connect(port(), "session_id=" + session.get("session_id") + "&resume_token=guess"));
        assertTrue(refused.getMessage().contains("401"), refused.getMessage());
    }

    @Test
    void ucfUpdatesFlowOnlyWhileSomeoneListens() throws Exception {
        try (WsClient ws = WsClient.connect(port(), null)) {
            JsonObject update = ws.next("ucf_update", 4);
            assertNotNull(update);
            assertEquals(0.5, update.getJsonObject("ucf").getDouble("harmony"), 1e-9);
        }
        Thread.sleep(500);
        long before = TestDb.count("select count(*) from event where type = 'ucf_update'");
        Thread.sleep(2_500);
        assertEquals(before, TestDb.count("select count(*) from event where type = 'ucf_update'"));
    }

    @Test
    void serverSentEventsReplayOneRitualFromLastEventIdThenFollowIt() throws Exception {
        TestAgent kael = TestAgent.register("Kael");
        UUID ritual = Api.startRitual(Map.of("steps", 3));
        Api.startRitual(Map.of("steps", 1, "participants", List.of("Kael")));
        kael.complete(kael.lease(1)).then().statusCode(200);
        List<Long> ritualEvents = ids("select id from event where ritual_id = '" + ritual + "' order by id");
        long resumeFrom = ritualEvents.get(0);

        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port() + "/api/rituals/" + ritual + "/events"))
                .header("Authorization", "Bearer " + Api.ADMIN_KEY).header("Last-Event-ID", Long.toString(resumeFrom))
                .build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        List<Long> received = new ArrayList<>();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> response.body().forEach(line -> {
            if (line.startsWith("id:")) {
                received.add(Long.parseLong(line.substring(3).trim()));
            }
        }));
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() >= ritualEvents.size() - 1);
        assertEquals(ritualEvents.subList(1, ritualEvents.size()), List.copyOf(received));

        Api.admin().post("/api/rituals/" + ritual + "/cancel").then().statusCode(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == ritualEvents.size());
        reader.cancel(true);
    }

    @Test
    void aKeyHoldsABoundedNumberOfEventStreamsAndAClosedOneFreesItsSlot() throws Exception {
        UUID ritual = Api.startRitual(Map.of("steps", 1));
        String key = Api.admin().body(Map.of("name", "sse-portal", "roles", List.of("rituals"))).post("/admin/api-keys")
                .then().statusCode(201).extract().path("key");
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest open = HttpRequest.newBuilder(URI.create("http://localhost:" + port() + "/api/rituals/" + ritual + "/events"))
                .header("Authorization", "Bearer " + key).build();
        List<HttpResponse<Stream<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // the test profile allows 3
            HttpResponse<Stream<String>> response = http.send(open, HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            streams.add(response);
        }
        HttpResponse<String> refused = http.send(open, HttpResponse.BodyHandlers.ofString());
        assertEquals(429, refused.statusCode());
        assertTrue(refused.body().contains("at most 3 open event streams"), refused.body());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent());

        streams.get(0).body().close();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            HttpResponse<Stream<String>> again = http.send(open, HttpResponse.BodyHandlers.ofLines());
            if (again.statusCode() == 200) {
                streams.add(again);
                return true;
            }
            again.body().close();
            return false;
        });
        streams.forEach(s -> s.body().close());
    }

    @Test
    void eventsPastRetentionAreTrimmedAndAResumeFromThemIsToldSo() throws Exception {
        for (int i = 0; i < 3; i++) {
            Api.startRitual(Map.of("steps", 1));
        }
        List<Long> ids = ids("select id from event order by id");
        long firstKept = ids.get(ids.size() - 1);
        TestDb.execute("update event set created_at = now() - interval '2 hours' where id < " + firstKept);

        housekeeping.trim(0).await().indefinitely();

        assertEquals(List.of(firstKept), ids("select id from event order by id"), "only the event within the hour is kept");
        try (WsClient ws = WsClient.connect(port(), "last_event_id=" + ids.get(0))) {
            assertEquals("session", ws.next(5).getString("event"));
            JsonObject notice = ws.next(5);
            assertEquals("replay_truncated", notice.getString("event"), "a resume from a trimmed event is told so");
            assertEquals(firstKept, notice.getLong("oldest_id"));
            JsonObject replayed = ws.next(5);
            assertEquals(firstKept, replayed.getLong("id"), "then what is left is replayed");
        }
    }

    @Test
    void serverSentEventsOfAnUnknownRitualAre404() {
        Api.admin().get("/api/rituals/" + UUID.randomUUID() + "/events").then().statusCode(404);
    }

    static List<Long> ids(String sql) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (var c = TestDb.connect(); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
