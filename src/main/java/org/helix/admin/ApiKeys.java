package org.helix.admin;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;
import org.helix.platform.ProblemException;
import org.helix.platform.security.Caller;
import org.helix.platform.security.CredentialSource;
import org.helix.platform.security.CredentialStore;
import org.helix.platform.security.Tokens;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.helix.platform.Time.ts;

/** API keys: random, shown once, stored as SHA-256, revoked at once on every replica. */
@ApplicationScoped
public class ApiKeys implements CredentialSource {

    static final String PREFIX = "hk_";

    public record NewKey(UUID id, String name, String key, List<String> roles) {
    }

    public record KeyView(UUID id, String name, List<String> roles, OffsetDateTime createdAt, String createdBy,
                          OffsetDateTime revokedAt) {
    }

    private final Db db;
    private final Clock clock;
    private final CredentialStore credentials;
    private final AuditLog audit;

    public ApiKeys(Db db, Clock clock, CredentialStore credentials, AuditLog audit) {
        this.db = db;
        this.clock = clock;
        this.credentials = credentials;
        this.audit = audit;
    }

    @Override
    public String prefix() {
        return PREFIX;
    }

    @Override
    public Uni<SecurityIdentity> resolve(String tokenHash) {
        return db.query("select id, roles from api_key where key_hash = $1 and revoked_at is null", Tuple.of(tokenHash))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal("key:" + row.getUUID("id")));
                    for (String role : row.getArrayOfStrings("roles")) {
                        identity.addRole(role);
                    }
                    return identity.build();
                });
    }

    public Uni<NewKey> create(Caller caller, String name, List<String> roles) {
        UUID id = UUID.randomUUID();
        String key = Tokens.generate(PREFIX);
        return db.inTransaction(tx -> tx.preparedQuery("""
                                insert into api_key (id, name, key_hash, roles, created_at, created_by)
                                values ($1, $2, $3, $4, $5, $6)""")
                        .execute(Tuple.of(id, name, Tokens.hash(key), roles.toArray(String[]::new),
                                ts(clock.instant()), caller.principal()))
                        .flatMap(ok -> audit.record(tx, caller.principal(), "api-key.create", "api-key:" + id, null,
                                new JsonObject().put("name", name).put("roles", roles), "ok")))
                .replaceWith(new NewKey(id, name, key, roles));
    }

    /** Revokes a key; revoking one already revoked is a harmless repeat. */
    public Uni<Void> revoke(Caller caller, UUID id) {
        return db.inTransaction(tx -> tx.preparedQuery("""
                                with before as (select revoked_at, key_hash from api_key where id = $1)
                                update api_key set revoked_at = coalesce(revoked_at, $2) where id = $1
                                returning (select revoked_at from before) as was_revoked, key_hash""")
                        .execute(Tuple.of(id, ts(clock.instant())))
                        .flatMap(rows -> {
                            if (rows.size() == 0) {
                                throw ProblemException.notFound("no API key " + id);
                            }
                            Row row = rows.iterator().next();
                            credentials.evict(row.getString("key_hash"));
                            boolean already = row.getOffsetDateTime("was_revoked") != null;
                            return audit.record(tx, caller.principal(), "api-key.revoke", "api-key:" + id,
                                    new JsonObject().put("revoked", already), new JsonObject().put("revoked", true),
                                    already ? "ok: already revoked" : "ok");
                        }))
                .replaceWithVoid();
    }

    public Uni<List<KeyView>> list() {
        return db.query("select * from api_key order by created_at", Tuple.tuple()).map(rows -> {
            List<KeyView> keys = new ArrayList<>();
            for (Row row : rows) {
                keys.add(new KeyView(row.getUUID("id"), row.getString("name"), List.of(row.getArrayOfStrings("roles")),
                        row.getOffsetDateTime("created_at"), row.getString("created_by"),
                        row.getOffsetDateTime("revoked_at")));
            }
            return keys;
        });
    }
}
