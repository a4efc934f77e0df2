package dev.pgsteer.router;

/**
 * Where a statement, or a whole session, runs. Sharding adds plans for several shards; for now a
 * logical database maps to exactly one backend database.
 */
public sealed interface RoutePlan permits RoutePlan.SingleBackend {

    /** Everything goes to {@code backend}'s database {@code database}, relayed unparsed. */
    record SingleBackend(String backend, String database) implements RoutePlan {
    }
}
