package org.helix.sessions;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.ClusterSignals;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.Tokens;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/**
 * Client sessions: a portal's server-side context for live streams. TTL from creation, idle timeout without
 * client traffic, at most {@code max-per-principal} explicit sessions per API key (the oldest is evicted).
 * Ending a session — logout, eviction, expiry, an operator — closes its connections on every replica.
 */
@ApplicationScoped
public class SessionService {

    static final String CLOSED = "session-closed";
    static final String RECHECK = "sessions-recheck";
    private static final String TOKEN_PREFIX = "hs_";

    private final Db db;
    private final Clock clock;
    private final HelixConfig config;
    private final ClusterSignals signals;
    private final SessionConnections connections;

    public SessionService(Db db, Clock clock, HelixConfig config, ClusterSignals signals,
                          SessionConnections connections) {
        this.db = db;
        this.clock = clock;
        this.config = config;
        this.signals = signals;
        this.connections = connections;
        signals.on(CLOSED, id -> connections.closeSession(UUID.fromString(id), "session ended"));
        signals.on(RECHECK, ignored -> recheck().subscribe().with(ok -> { }, e -> { }));
    }

    /** An explicit session for an authenticated principal; past the cap the oldest ones are evicted. */
    public Uni<SessionGrant> create(Caller caller) {
        return create(caller.principal(), false);
    }

    /** The session a bare WebSocket connect gets. */
    public Uni<SessionGrant> createImplicit(String principal) {
        return create(principal, true);
    }

    private Uni<SessionGrant> create(String principal, boolean implicit) {
        UUID id = UUID.randomUUID();
        String token = Tokens.generate(TOKEN_PREFIX);
        Instant now = clock.instant();
        OffsetDateTime expires = ts(now.plus(config.session().ttl()));
        Tuple insert = Tuple.of(id, principal, Tokens.hash(token), implicit, ts(now), expires);
        Uni<List<UUID>> evicted = db.inTransaction(tx -> {
            Uni<?> inserted = tx.preparedQuery("""
                    insert into client_session (id, principal, resume_token_hash, implicit, created_at, expires_at, last_seen_at)
                    values ($1, $2, $3, $4, $5, $6, $5)""").execute(insert);
            if (implicit) {
                return inserted.replaceWith(List.<UUID>of());
            }
            // serialise creations per principal so that concurrent ones cannot both stay under the cap
            return tx.preparedQuery("select pg_advisory_xact_lock(hashtext($1))").execute(Tuple.of(principal))
                    .flatMap(locked -> inserted)
                    .flatMap(ignored -> tx.preparedQuery("""
                            delete from client_session where id in (
                                select id from client_session where principal = $1 and not implicit
                                order by created_at desc, id desc offset $2)
                            returning id""").execute(Tuple.of(principal, (long) config.session().maxPerPrincipal())))
                    .map(rows -> {
                        List<UUID> ids = new ArrayList<>();
                        rows.forEach(row -> ids.add(row.getUUID("id")));
                        return ids;
                    });
        });
        return evicted.map(ids -> {
            ended(ids, "evicted: more than " + config.session().maxPerPrincipal() + " sessions");
            return new SessionGrant(id, token, config.session().idleTimeout().toSeconds(), expires);
        });
    }

    /** A session to resume: it must exist, match its token and be neither expired nor idle. */
    public Uni<UUID> resume(UUID id, String resumeToken) {
        Instant now = clock.instant();
        return db.query("""
                        update client_session set last_seen_at = $3
                        where id = $1 and resume_token_hash = $2 and expires_at > $3
                          and last_seen_at > $3::timestamptz - $4::bigint * interval '1 millisecond'
                        returning id""",
                        Tuple.of(id, Tokens.hash(resumeToken == null ? "" : resumeToken), ts(now),
                                config.session().idleTimeout().toMillis()))
                .flatMap(rows -> rows.size() > 0 ? Uni.createFrom().item(id)
                        : db.query("select 1 from client_session where id = $1", Tuple.of(id)).map(found -> {
                            throw found.size() > 0
                                    ? new ProblemException(401, "Unauthorized", "wrong resume token, or the session has expired")
                                    : ProblemException.notFound("no session " + id);
                        }));
    }

    /** Logout: the owner (or an operator) ends the session at once. */
    public Uni<Void> end(UUID id, Caller caller) {
        return db.query("delete from client_session where id = $1 and ($2 or principal = $3) returning id",
                        Tuple.of(id, caller.admin(), caller.principal()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("no session " + id);
                    }
                    ended(List.of(id), "session ended");
                    return null;
                });
    }

    /** Records client activity of connected sessions (batched: one statement per sweep). */
    public Uni<Void> touch(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return db.query("update client_session set last_seen_at = greatest(last_seen_at, $2) where id = any($1)",
                Tuple.of(ids.toArray(UUID[]::new), ts(clock.instant()))).replaceWithVoid();
    }

    /** Deletes expired and idle sessions (bounded, SKIP LOCKED: every replica may run it). */
    public Uni<Integer> expire(int batch) {
        Instant now = clock.instant();
        return db.query("""
                        delete from client_session where id in (
                            select id from client_session
                            where expires_at <= $1 or last_seen_at <= $1::timestamptz - $2::bigint * interval '1 millisecond'
                            limit $3 for update skip locked)
                        returning id""", Tuple.of(ts(now), config.session().idleTimeout().toMillis(), (long) batch))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID("id")));
                    ended(ids, "session expired");
                    return ids.size();
                });
    }

    /** Which of these sessions still exist (a replica closes connections of sessions ended elsewhere). */
    public Uni<List<UUID>> existing(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return db.query("select id from client_session where id = any($1)", Tuple.of(ids.toArray(UUID[]::new)))
                .map(rows -> {
                    List<UUID> found = new ArrayList<>();
                    rows.forEach(row -> found.add(row.getUUID("id")));
                    return found;
                });
    }

    public Uni<Long> activeCount() {
        Instant now = clock.instant();
        return db.query("""
                        select count(*) as n from client_session
                        where expires_at > $1 and last_seen_at > $1::timestamptz - $2::bigint * interval '1 millisecond'""",
                        Tuple.of(ts(now), config.session().idleTimeout().toMillis()))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    public record Page(List<SessionView> sessions, String nextAfter) {
    }

    public Uni<Page> list(int limit, UUID after) {
        return db.query("""
                        select * from client_session where ($1::uuid is null or id > $1) order by id limit $2""",
                        Tuple.of(after, (long) limit))
                .map(rows -> {
                    List<SessionView> views = new ArrayList<>();
                    for (Row row : rows) {
                        UUID id = row.getUUID("id");
                        views.add(new SessionView(id, row.getString("principal"), row.getBoolean("implicit"),
                                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("expires_at"),
                                row.getOffsetDateTime("last_seen_at"), connections.count(id)));
                    }
                    return new Page(views, views.size() < limit ? null : views.get(views.size() - 1).sessionId().toString());
                });
    }

    /** Ends every session ({@code all}) or only those expired or idle, and closes their connections. */
    public Uni<Integer> purge(boolean all) {
        if (!all) {
            return expire(Integer.MAX_VALUE);
        }
        return db.query("delete from client_session returning id", Tuple.tuple()).map(rows -> {
            List<UUID> ids = new ArrayList<>();
            rows.forEach(row -> ids.add(row.getUUID("id")));
            ended(ids, "purged by an operator");
            return ids.size();
        });
    }

    private void ended(List<UUID> ids, String reason) {
        for (UUID id : ids) {
            connections.closeSession(id, reason);
        }
        if (ids.size() <= 50) {
            ids.forEach(id -> signals.publish(CLOSED, id.toString()));
        } else {
            signals.publish(RECHECK, ""); // many at once: each replica checks its own connections instead
        }
    }

    /** Closes the connections of this replica whose sessions no longer exist. */
    public Uni<Void> recheck() {
        List<UUID> local = new ArrayList<>(connections.sessions());
        return existing(local).invoke(found -> {
            local.removeAll(found);
            local.forEach(id -> connections.closeSession(id, "session ended"));
        }).replaceWithVoid();
    }
}
