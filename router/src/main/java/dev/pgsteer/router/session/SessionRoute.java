package dev.pgsteer.router.session;

import dev.pgsteer.config.DatabaseConfig;

/**
 * Where a whole client session goes, decided once, at login, by {@link SessionRouter}: refused, or
 * relayed in one of four ways. proxy-core makes the session's relay from it with an exhaustive switch
 * over {@link Relayed}; it decides nothing of this itself.
 */
public sealed interface SessionRoute {

    /**
     * The login is refused: FATAL with this SQLSTATE, message and hint ({@code hint} null: none), worded as
     * PostgreSQL words its own where it has one.
     */
    record Refused(String sqlState, String message, String hint) implements SessionRoute {
    }

    /** The session is let in, and relayed as the record says. */
    sealed interface Relayed extends SessionRoute permits Admin, TenantSession, Sharded, SingleBackend {
    }

    /** The virtual database {@code pgsteer}: the admin console answers the session itself. */
    record Admin() implements Relayed {
    }

    /**
     * A database with {@code tenancy:}: each statement runs where its tenant's data is, the tenant found
     * statement by statement. {@code pinned}: the tenant the user is pinned to, or that the database name
     * the client asked for is the id of; {@code atStartup}: the one the startup option
     * {@code pgsteer.tenant} named. Either is null when there is none; both are known tenants.
     */
    record TenantSession(DatabaseConfig database, String pinned, String atStartup) implements Relayed {
    }

    /** A sharded database: every statement is routed on its own, over the shards. */
    record Sharded(DatabaseConfig database) implements Relayed {
    }

    /** Everything goes to backend {@code backend}'s database {@code backendDatabase}, relayed unparsed. */
    record SingleBackend(DatabaseConfig database, String backend, String backendDatabase) implements Relayed {
    }
}
