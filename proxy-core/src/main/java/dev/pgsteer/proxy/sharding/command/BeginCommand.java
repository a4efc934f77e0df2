package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;

/**
 * {@code Command.Begin}: BEGIN or START TRANSACTION opens the session's transaction; the shards join
 * it when first used. Inside one already, PostgreSQL warns and goes on.
 */
public final class BeginCommand {
    private final ShardTransaction transaction;
    private final ClientReplies replies;

    public BeginCommand(ShardTransaction transaction, ClientReplies replies) {
        this.transaction = transaction;
        this.replies = replies;
    }

    public void run(String text, Runnable next) {
        if (!transaction.beginExplicit(text)) {
            replies.notice(SqlState.ACTIVE_SQL_TRANSACTION, "there is already a transaction in progress");
        }
        replies.complete("BEGIN");
        next.run();
    }
}
