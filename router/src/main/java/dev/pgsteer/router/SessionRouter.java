package dev.pgsteer.router;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import java.util.Optional;

/**
 * Decides, once per client session, where the session's statements go when its target is fixed
 * by the database it connected to. Such sessions are relayed without parsing a single statement.
 */
public final class SessionRouter {
    private final ProxyConfig config;

    public SessionRouter(ProxyConfig config) {
        this.config = config;
    }

    /** The plan for a client that connected to {@code clientDatabase}, or empty if no database of the config serves it. */
    public Optional<RoutePlan> route(String clientDatabase) {
        return config.database(clientDatabase).map(database -> plan(database, clientDatabase));
    }

    private RoutePlan plan(DatabaseConfig database, String clientDatabase) {
        return new RoutePlan.SingleBackend(database.shards().getFirst(), config.backendDatabaseName(database, clientDatabase));
    }
}
