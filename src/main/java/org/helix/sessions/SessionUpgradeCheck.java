package org.helix.sessions;

import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.helix.platform.Db;
import org.helix.platform.HelixConfig;
import org.helix.platform.ProblemException;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * Before a WebSocket upgrade: the per-address connection cap (429), then the session — an existing one to
 * resume ({@code session_id} + {@code resume_token}; 401/404 when it is not valid) or a new implicit one.
 */
@ApplicationScoped
public class SessionUpgradeCheck implements HttpUpgradeCheck {

    static final UserData.TypedKey<String> SESSION = UserData.TypedKey.forString("helix.session");
    static final UserData.TypedKey<String> NEW_TOKEN = UserData.TypedKey.forString("helix.new-token");
    static final UserData.TypedKey<String> ADDRESS = UserData.TypedKey.forString("helix.address");
    private static final Logger LOG = Logger.getLogger(SessionUpgradeCheck.class);

    private final SessionService sessions;
    private final SessionConnections connections;
    private final HelixConfig config;

    public SessionUpgradeCheck(SessionService sessions, SessionConnections connections, HelixConfig config) {
        this.sessions = sessions;
        this.connections = connections;
        this.config = config;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return endpointId.equals(EventSocket.class.getName());
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String address = context.httpRequest().remoteAddress() == null ? "unknown"
                : context.httpRequest().remoteAddress().hostAddress();
        if (!connections.admits(address, config.session().maxConnectionsPerIp())) {
            return CheckResult.rejectUpgrade(429);
        }
        String sessionId = context.httpRequest().getParam("session_id");
        Uni<CheckResult> decided;
        if (sessionId == null || sessionId.isBlank()) {
            decided = sessions.createImplicit("anonymous:" + address).map(grant -> {
                context.userData().put(SESSION, grant.sessionId().toString());
                context.userData().put(NEW_TOKEN, grant.resumeToken());
                return CheckResult.permitUpgradeSync();
            });
        } else {
            UUID id;
            try {
                id = UUID.fromString(sessionId);
            } catch (IllegalArgumentException e) {
                return CheckResult.rejectUpgrade(404);
            }
            decided = sessions.resume(id, context.httpRequest().getParam("resume_token")).map(resumed -> {
                context.userData().put(SESSION, resumed.toString());
                return CheckResult.permitUpgradeSync();
            });
        }
        context.userData().put(ADDRESS, address);
        return decided.onFailure().recoverWithItem(e -> {
            if (e instanceof ProblemException p) {
                return CheckResult.rejectUpgradeSync(p.status());
            }
            LOG.warnf("WebSocket upgrade refused: %s", e.toString());
            return CheckResult.rejectUpgradeSync(Db.isUnavailable(e) ? 503 : 500);
        });
    }
}
