package dev.pgsteer.proxy.sharding.send;

import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;

/**
 * How a routed statement is written to a shard: as a Query ({@link SimpleSender}), or as the extended
 * messages of an Execute ({@link ExtendedSender}).
 */
public sealed interface StatementSender permits SimpleSender, ExtendedSender {
    /** Writes the statement, as {@code route} has it for the link's shard, in {@code request}. */
    void send(ShardLink link, Route route, ShardRequest request);

    /** The statement's parameter values, for routing by key. */
    KeySource.Placeholders values();

    /** Whether the proxy sent Parse and Bind for the client, so their acknowledgements are its own to swallow. */
    boolean extended();

    /** Whether the client asked for a description of the result (extended: Describe of the portal). */
    boolean describe();

    int maxRows();
}
