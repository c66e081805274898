package org.helix.agents;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;
import org.helix.platform.security.Caller;
import org.helix.platform.security.CredentialSource;
import org.helix.platform.security.Roles;

/** A registered agent's own token: it authenticates as that agent, in that epoch. */
@ApplicationScoped
public class AgentTokens implements CredentialSource {

    private final Db db;

    public AgentTokens(Db db) {
        this.db = db;
    }

    @Override
    public String prefix() {
        return AgentService.TOKEN_PREFIX;
    }

    @Override
    public Uni<SecurityIdentity> resolve(String tokenHash) {
        return db.query("select id, name, epoch from agent where token_hash = $1", Tuple.of(tokenHash))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal("agent:" + row.getUUID("id")))
                            .addRole(Roles.AGENT_TOKEN)
                            .addAttribute(Caller.AGENT_ID, row.getUUID("id"))
                            .addAttribute(Caller.AGENT_EPOCH, row.getInteger("epoch"))
                            .addAttribute(Caller.AGENT_NAME, row.getString("name"))
                            .build();
                });
    }
}
