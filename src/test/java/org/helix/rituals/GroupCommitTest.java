package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group commit without a database: who goes in which statement, and who is told what. */
class GroupCommitTest {

    /** A statement that runs when the test says so; each outcome is "request@batch". */
    static final class Held implements GroupCommit.Statement<String, String> {
        final List<List<String>> batches = new CopyOnWriteArrayList<>();
        final List<UniEmitter<? super List<String>>> running = new CopyOnWriteArrayList<>();

        @Override
        public Uni<List<String>> run(List<String> batch) {
            batches.add(batch);
            int number = batches.size();
            return Uni.createFrom().<List<String>>emitter(running::add)
                    .map(ignored -> batch.stream().map(r -> r + "@" + number).toList());
        }

        void finish(int i) {
            running.get(i).complete(List.of());
        }
    }

    static <T> CompletableFuture<T> submit(GroupCommit<String, T> commit, String request) {
        return commit.submit(request).subscribeAsCompletionStage();
    }

    @Test
    void anIdleServiceSendsARequestAtOnceAndABusyOneSendsWhatWaitedInOneStatement() throws Exception {
        Held statement = new Held();
        GroupCommit<String, String> commit = new GroupCommit<>(1, 64, r -> r, statement);
        CompletableFuture<String> first = submit(commit, "a");
        assertEquals(List.of(List.of("a")), statement.batches, "nothing running: it goes at once, alone");

        List<CompletableFuture<String>> waiting = new ArrayList<>();
        for (String r : List.of("b", "c", "d")) {
            waiting.add(submit(commit, r));
        }
        assertEquals(1, statement.batches.size(), "one statement in flight at most");
        statement.finish(0);
        assertEquals("a@1", first.get(1, TimeUnit.SECONDS));
        assertEquals(List.of("b", "c", "d"), statement.batches.get(1), "what waited goes together");
        statement.finish(1);
        assertEquals(List.of("b@2", "c@2", "d@2"), waiting.stream().map(CompletableFuture::join).toList());
    }

    @Test
    void requestsWithTheSameKeyNeverShareAStatementAndBatchesAreBounded() throws Exception {
        Held statement = new Held();
        GroupCommit<String, String> commit = new GroupCommit<>(1, 2, r -> r.substring(0, 1), statement);
        submit(commit, "x0");
        CompletableFuture<String> twin1 = submit(commit, "r1");
        CompletableFuture<String> twin2 = submit(commit, "r2");
        CompletableFuture<String> other = submit(commit, "s1");
        CompletableFuture<String> third = submit(commit, "t1");
        statement.finish(0);
        assertEquals(List.of("r1", "s1"), statement.batches.get(1), "the twin of r1 waits; two at most");
        statement.finish(1);
        assertEquals(List.of("r2", "t1"), statement.batches.get(2));
        statement.finish(2);
        assertEquals(List.of("r1@2", "s1@2", "r2@3", "t1@3"),
                List.of(twin1.get(), other.get(), twin2.get(), third.get()));
    }

    @Test
    void aFailedStatementFailsEachOfItsRequestsAndTheNextOneStillRuns() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        GroupCommit<String, String> commit = new GroupCommit<>(1, 64, r -> r, batch -> runs.incrementAndGet() == 1
                ? Uni.createFrom().failure(new IllegalStateException("database unavailable"))
                : Uni.createFrom().item(batch));
        CompletableFuture<String> failed = submit(commit, "a");
        assertTrue(assertThrows(Exception.class, failed::join).getCause() instanceof IllegalStateException);
        assertEquals("b", submit(commit, "b").get(1, TimeUnit.SECONDS));
    }

    @Test
    void manyConcurrentCallersEachGetTheirOwnOutcomeExactlyOnce() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(); // outcomes on another thread, as the database pool's
        GroupCommit<Integer, Integer> commit = new GroupCommit<>(2, 16, r -> r, batch -> Uni.createFrom()
                .item(batch.stream().map(r -> r * 10).toList()).emitOn(pool));
        ExecutorService callers = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Integer>> outcomes = IntStream.range(0, 2_000).mapToObj(i -> CompletableFuture.supplyAsync(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return commit.submit(i).await().atMost(java.time.Duration.ofSeconds(10));
        }, callers)).toList();
        go.countDown();
        for (int i = 0; i < outcomes.size(); i++) {
            assertEquals(i * 10, outcomes.get(i).get(20, TimeUnit.SECONDS));
        }
        callers.shutdownNow();
        pool.shutdownNow();
    }
}
