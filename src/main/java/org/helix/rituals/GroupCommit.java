package org.helix.rituals;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Group commit: requests that arrive while {@code maxInFlight} statements are running wait, and the next statement
 * carries up to {@code maxBatch} of them at once — one round trip and one commit for all. Nothing waits for a
 * timer: an idle service sends each request at once, a busy one batches exactly as much as the database is behind.
 * Each request still gets its own outcome (the statement guards every row on its own); requests with the same key
 * (one ritual) never share a statement, so a repeated completion is refused by the row its twin already changed.
 *
 * @param <R> a request
 * @param <T> its outcome; null where the statement's guard refused it
 */
final class GroupCommit<R, T> {

    /** Runs one batch; the outcomes are in the requests' order. */
    interface Statement<R, T> {
        Uni<List<T>> run(List<R> batch);
    }

    private record Pending<R, T>(R request, UniEmitter<? super T> emitter) {
    }

    private final int maxInFlight;
    private final int maxBatch;
    private final Function<R, Object> key;
    private final Statement<R, T> statement;
    private final ArrayDeque<Pending<R, T>> queue = new ArrayDeque<>();
    private int inFlight;

    GroupCommit(int maxInFlight, int maxBatch, Function<R, Object> key, Statement<R, T> statement) {
        this.maxInFlight = maxInFlight;
        this.maxBatch = maxBatch;
        this.key = key;
        this.statement = statement;
    }

    Uni<T> submit(R request) {
        return Uni.createFrom().emitter(emitter -> {
            List<Pending<R, T>> batch;
            synchronized (this) {
                queue.add(new Pending<>(request, emitter));
                batch = next();
            }
            if (batch != null) {
                run(batch);
            }
        });
    }

    /** The next batch to run, if a statement may start now; called holding the lock. */
    private List<Pending<R, T>> next() {
        if (inFlight >= maxInFlight || queue.isEmpty()) {
            return null;
        }
        List<Pending<R, T>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
        Set<Object> keys = new HashSet<>();
        for (Iterator<Pending<R, T>> it = queue.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
            Pending<R, T> pending = it.next();
            if (keys.add(key.apply(pending.request()))) {
                batch.add(pending);
                it.remove();
            }
        }
        inFlight++;
        return batch;
    }

    private void run(List<Pending<R, T>> batch) {
        Uni<List<T>> outcome;
        try {
            outcome = statement.run(batch.stream().map(Pending::request).toList());
        } catch (RuntimeException e) {
            outcome = Uni.createFrom().failure(e);
        }
        outcome.subscribe().with(outcomes -> {
            finished(); // the next statement goes out before this one's callers are answered
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).emitter().complete(outcomes.get(i));
            }
        }, failure -> {
            finished();
            batch.forEach(pending -> pending.emitter().fail(failure));
        });
    }

    private void finished() {
        List<Pending<R, T>> batch;
        synchronized (this) {
            inFlight--;
            batch = next();
        }
        if (batch != null) {
            run(batch);
        }
    }
}
