package org.helix.platform;

import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;

/** Options for the connections the service keeps outside the pool (the LISTEN connection, the health probe). */
@ApplicationScoped
public class DbConnection {

    private final String reactiveUrl;
    private final String user;
    private final String password;
    private final HelixConfig config;

    public DbConnection(@ConfigProperty(name = "quarkus.datasource.reactive.url") String reactiveUrl,
                        @ConfigProperty(name = "quarkus.datasource.username") String user,
                        @ConfigProperty(name = "quarkus.datasource.password", defaultValue = "") String password,
                        HelixConfig config) {
        this.reactiveUrl = reactiveUrl;
        this.user = user;
        this.password = password;
        this.config = config;
    }

    public PgConnectOptions options() {
        URI uri = URI.create(reactiveUrl.replaceFirst("^vertx-reactive:", ""));
        return new PgConnectOptions()
                .setHost(uri.getHost()).setPort(uri.getPort() < 0 ? 5432 : uri.getPort())
                .setDatabase(uri.getPath().substring(1)).setUser(user).setPassword(password)
                .setConnectTimeout((int) config.db().connectTimeout().toMillis()).setTcpKeepAlive(true)
                .addProperty("application_name", "helix-orchestrator");
    }
}
