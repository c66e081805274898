package org.helix.events;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.helix.platform.ClusterSignals;
import org.helix.platform.Db;
import org.helix.platform.Draining;
import org.helix.platform.HelixConfig;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.helix.platform.Time.ts;

/**
 * Fans committed events out to the live streams of this replica, in id order, without gaps or duplicates.
 *
 * <p>One pump reads the event table forward from its watermark whenever a transaction here commits events, a
 * cluster signal says another replica did, or a second passes. Ids come from a sequence, so a lower id can
 * commit after a higher one: the pump stops at a missing id until every transaction that was running when
 * it saw the gap has ended (snapshot xmin passed the gap's xmax), or {@code gap-timeout} elapsed, and only
 * then skips it as rolled back.
 *
 * <p>Each stream holds at most {@code outbound-queue} events in memory. A stream that is behind — it resumes
 * from a {@code last_event_id}, or a burst outran its queue — stops taking events from the pump and reads on
 * from the table itself, up to the pump's watermark, as fast as its own writes complete; then it is live
 * again. So a burst never costs memory, never closes a client that keeps reading, and a slow client never
 * holds back another: only a stream none of whose writes completes for {@code stall-timeout} is closed (1013).
 */
@ApplicationScoped
public class EventHub {

    static final String SIGNAL = "events";
    private static final Logger LOG = Logger.getLogger(EventHub.class);
    /** Writes in flight to one stream at a time. */
    private static final int WINDOW = 16;
    private static final String FETCH = """
            with snap as (
                select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as xmin,
                       pg_snapshot_xmax(pg_current_snapshot())::text::bigint as xmax
            )
            select snap.xmin, snap.xmax, e.id, e.type, e.ritual_id, e.created_at, e.payload
            from snap left join lateral (select * from event where id > $1 order by id limit $2) e on true
            order by e.id
            """;
    /** A stream's own read of the log: what it follows in (after, upTo], where upTo is the pump's watermark. */
    private static final String CATCH_UP = """
            select id, type, ritual_id, created_at, payload from event
            where id > $1 and id <= $2
              and (cardinality($3::uuid[]) = 0 or ritual_id = any($3) or ($4 and ritual_id is null))
              and ($4 or ritual_id is not null)
            order by id limit $5""";

    /** A missing id, and the transactions that may still commit it (all those below xmax). */
    private record Gap(long after, long xmax, long seenAtNanos) {
    }

    /** A subscriber and what the hub knows of it. All state changes under the subscription's lock. */
    public final class Subscription {
        final Subscriber subscriber;
        /** Events accepted for this stream and not yet handed to it; at most {@code queueLimit}. */
        private final ArrayDeque<Event> queue = new ArrayDeque<>();
        private int inFlight;
        /** Every event up to this id that the stream wants has been queued (or sent). */
        private long position;
        /** Taking events from the pump; otherwise reading on from the table until it reaches the watermark. */
        private boolean live;
        private boolean reading;
        /** When a write last completed, or writes were last started from idle. */
        private long progressNanos = System.nanoTime();
        private volatile boolean closed;

        Subscription(Subscriber subscriber, long position, boolean live) {
            this.subscriber = subscriber;
            this.position = position;
            this.live = live;
        }

        public void cancel() {
            closed = true;
            subscriptions.remove(this);
        }

        /** From the pump, in id order. */
        synchronized void offer(Event event) {
            if (closed || !live || event.id() <= position || !subscriber.wants(event)) {
                return;
            }
            if (queue.size() >= queueLimit) {
                live = false; // behind: the events from here on are read from the table
                return;
            }
            position = event.id();
            queue.add(event);
            drain();
        }

        /** Keeps a small window of writes in flight; each completed write lets the next one go. */
        private synchronized void drain() {
            while (!closed && inFlight < WINDOW && !queue.isEmpty()) {
                Event next = queue.poll();
                if (inFlight++ == 0) {
                    progressNanos = System.nanoTime();
                }
                countSent();
                subscriber.send(next).subscribe().with(ok -> written(), e -> written());
            }
            if (!live && !reading && !closed && queue.size() <= queueLimit / 2) {
                if (position >= watermark) {
                    live = true; // nothing to read: the pump offers whatever comes next (it moves the watermark first)
                } else {
                    reading = true;
                    vertx.runOnContext(v -> readOn());
                }
            }
        }

        private synchronized void written() {
            inFlight--;
            progressNanos = System.nanoTime();
            drain();
        }

        /** Reads the next events this stream follows from the table, as many as its queue has room for. */
        private void readOn() {
            long after;
            long upTo = watermark;
            int room;
            synchronized (this) {
                after = position;
                room = Math.max(1, Math.min(batch, queueLimit - queue.size()));
            }
            db.query(CATCH_UP, Tuple.of(after, upTo, subscriber.rituals().toArray(UUID[]::new),
                            subscriber.includesGlobal(), (long) room))
                    .subscribe().with(rows -> caughtUp(rows, upTo, room), e -> {
                        LOG.debugf("a stream's read of the event log failed (%s); it retries", e.getMessage());
                        synchronized (this) {
                            reading = false;
                        }
                        vertx.setTimer(config.events().idlePoll().toMillis(), t -> {
                            synchronized (this) {
                                drain();
                            }
                        });
                    });
        }

        private synchronized void caughtUp(RowSet<Row> rows, long upTo, int room) {
            reading = false;
            for (Row row : rows) {
                Event event = event(row);
                if (event.id() > position) {
                    position = event.id();
                    queue.add(event);
                }
            }
            if (rows.size() < room) {
                // everything this stream follows up to upTo is queued; live again once that is the watermark (the
                // pump moves the watermark before it offers an event, so nothing falls between the two)
                position = Math.max(position, upTo);
                live = position >= watermark;
            }
            drain();
        }

        /** Called by the hub's timer: a stream that has stopped reading is closed. */
        private synchronized void checkStalled(long now) {
            if (!closed && inFlight > 0 && now - progressNanos > stallNanos) {
                LOG.debugf("a stream stopped reading; closing it");
                cancel();
                queue.clear();
                subscriber.overflow();
            }
        }
    }

    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean pumping = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    /** The UTC day (days since the epoch) that {@link #sent} counts. */
    private volatile long sentDay;
    private volatile boolean again;
    private volatile long watermark = -1;
    private Gap gap;
    private final Db db;
    private final Vertx vertx;
    private final Clock clock;
    private final ClusterSignals signals;
    private final HelixConfig config;
    private final int queueLimit;
    private final int batch;
    private final long stallNanos;

    public EventHub(Db db, Vertx vertx, Clock clock, ClusterSignals signals, HelixConfig config,
                    Draining draining) {
        draining.onDrain(() -> subscriptions.forEach(s -> {
            s.cancel();
            s.subscriber.goingAway();
        }));
        this.db = db;
        this.vertx = vertx;
        this.clock = clock;
        this.signals = signals;
        this.config = config;
        this.queueLimit = config.session().outboundQueue();
        // one pass of the pump must fit in a stream's queue, with room for the next
        this.batch = Math.max(16, Math.min(1_000, queueLimit / 2));
        this.stallNanos = config.session().stallTimeout().toNanos();
    }

    void start(@Observes StartupEvent ignored) {
        signals.on(SIGNAL, x -> pumpSoon());
        signals.on(ClusterSignals.RECONNECTED, x -> pumpSoon());
        vertx.setPeriodic(config.events().idlePoll().toMillis(), t -> pumpSoon());
        vertx.setPeriodic(Math.max(10, config.session().stallTimeout().toMillis() / 4), t -> {
            long now = System.nanoTime();
            subscriptions.forEach(s -> s.checkStalled(now));
        });
    }

    /** Events were committed on this replica: deliver them here and tell the others. */
    public void poke() {
        if (!subscriptions.isEmpty()) {
            pumpSoon(); // with nobody listening here the idle poll advancing the watermark is enough
        }
        signals.publishCoalesced(SIGNAL);
    }

    public int subscribers() {
        return subscriptions.size();
    }

    /** Events written to streams since midnight UTC (this replica). */
    public long sentToday() {
        return today() == sentDay ? sent.get() : 0;
    }

    /** The day rolls over when an event is sent, so the first ones after midnight count for the new day. */
    private void countSent() {
        long today = today();
        if (today != sentDay) {
            sentDay = today;
            sent.set(0);
        }
        sent.incrementAndGet();
    }

    private long today() {
        return Math.floorDiv(clock.millis(), 86_400_000L);
    }


    /** Where a stream starts: after {@code lastEventId}, or else after the newest event this replica has seen. */
    public Uni<Long> startingPoint(Long lastEventId) {
        return lastEventId != null ? Uni.createFrom().item(lastEventId)
                : (watermark < 0 ? initialise() : Uni.createFrom().voidItem()).map(ready -> watermark);
    }

    /**
     * Starts a stream. With {@code lastEventId} the stream first reads what followed it from the table, then
     * continues live; without it the stream starts with the next event.
     */
    public Uni<Subscription> subscribe(Subscriber subscriber, Long lastEventId) {
        return startingPoint(lastEventId).flatMap(after -> subscribe(subscriber, after, lastEventId != null));
    }

    /**
     * Starts a stream after event {@code after}; a client that {@code resumed} from an id it had is told when
     * retention has removed some of what it missed.
     */
    public Uni<Subscription> subscribe(Subscriber subscriber, long after, boolean resumed) {
        return (watermark < 0 ? initialise() : Uni.createFrom().voidItem())
                // checked even when the pump is behind the client (it idles without listeners): retention may
                // have removed what the client missed either way
                .flatMap(ready -> resumed ? truncationNotice(subscriber, after) : Uni.createFrom().voidItem())
                .map(noticed -> {
                    // not live until drain() has compared its position with the watermark, after it was added: an
                    // event the pump handled in between is then read from the table
                    Subscription subscription = new Subscription(subscriber, after, false);
                    subscriptions.add(subscription);
                    synchronized (subscription) {
                        subscription.drain();
                    }
                    return subscription;
                });
    }

    private Uni<Void> truncationNotice(Subscriber subscriber, long lastEventId) {
        return db.query("select min(id) as oldest from event", Tuple.tuple()).flatMap(rows -> {
            Long oldest = rows.iterator().next().getLong("oldest");
            if (oldest == null || oldest <= lastEventId + 1) {
                return Uni.createFrom().voidItem();
            }
            JsonObject notice = new JsonObject().put("id", (Object) null).put("event", "replay_truncated")
                    .put("timestamp", ts(clock.instant()).toString()).put("oldest_id", oldest)
                    .put("message", "events before " + oldest + " are past their retention and cannot be replayed");
            return subscriber.send(new Event(0, "replay_truncated", null, notice.encode()));
        });
    }

    private Uni<Void> initialise() {
        return db.query("select coalesce(max(id), 0) as last from event", Tuple.tuple()).invoke(rows -> {
            if (watermark < 0) {
                watermark = rows.iterator().next().getLong("last");
            }
        }).replaceWithVoid();
    }

    private void pumpSoon() {
        if (pumping.compareAndSet(false, true)) {
            again = false;
            pump().subscribe().with(more -> {
                pumping.set(false);
                if (again || more) {
                    pumpSoon();
                }
            }, e -> {
                pumping.set(false);
                LOG.debugf("event pump: %s", e.getMessage());
            });
        } else {
            again = true;
        }
    }

    /** One pass; true when there is more to read at once. */
    private Uni<Boolean> pump() {
        if (watermark < 0) {
            return initialise().replaceWith(true);
        }
        if (subscriptions.isEmpty()) {
            // nobody listens here: advance past what is surely committed, read nothing
            gap = null;
            return db.query("select max(id) as last from event where id > $1 and created_at < $2",
                            Tuple.of(watermark, ts(clock.instant().minus(config.events().gapTimeout()))))
                    .invoke(rows -> {
                        Long last = rows.iterator().next().getLong("last");
                        if (last != null && last > watermark) {
                            watermark = last;
                        }
                    }).replaceWith(false);
        }
        return db.query(FETCH, Tuple.of(watermark, (long) batch)).map(this::deliver);
    }

    private boolean deliver(RowSet<Row> rows) {
        int read = 0;
        for (Row row : rows) {
            Long id = row.getLong("id");
            if (id == null) {
                break;
            }
            read++;
            if (id != watermark + 1 && !gapResolved(row.getLong("xmin"))) {
                if (gap == null || gap.after() != watermark) {
                    gap = new Gap(watermark, row.getLong("xmax"), System.nanoTime());
                }
                vertx.setTimer(20, t -> pumpSoon());
                return false;
            }
            gap = null;
            watermark = id;
            Event event = event(row);
            for (Subscription subscription : subscriptions) {
                subscription.offer(event);
            }
        }
        return read == batch;
    }

    private boolean gapResolved(long xmin) {
        return gap != null && gap.after() == watermark
                && (xmin >= gap.xmax() || System.nanoTime() - gap.seenAtNanos() > config.events().gapTimeout().toNanos());
    }

    static Event event(Row row) {
        return Event.of(row.getLong("id"), row.getString("type"), row.getUUID("ritual_id"),
                row.getOffsetDateTime("created_at"), row.getJsonObject("payload"));
    }
}
