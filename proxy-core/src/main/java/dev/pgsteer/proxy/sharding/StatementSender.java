package dev.pgsteer.proxy.sharding;

import dev.pgsteer.router.plan.Route;

/** How a routed statement is written to a shard: as a Query, or as the extended messages of an Execute. */
interface StatementSender {
    /** Writes the statement, as {@code route} has it for the link's shard. */
    void send(ShardLink link, Route route);

    /** Whether the proxy sent Parse and Bind for the client, so their acknowledgements are its own to swallow. */
    boolean extended();

    /** Whether the client asked for a description of the result (extended: Describe of the portal). */
    boolean describe();

    int maxRows();
}
