package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;

/** {@code Command.Rollback}: ROLLBACK or ABORT rolls back on every shard of the transaction; it never fails. */
public final class RollbackCommand {
    private final ShardTransaction transaction;
    private final ClientReplies replies;

    public RollbackCommand(ShardTransaction transaction, ClientReplies replies) {
        this.transaction = transaction;
        this.replies = replies;
    }

    public void run(Runnable next) {
        if (transaction.mode() != ShardTransaction.Mode.EXPLICIT) {
            replies.notice(SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
        }
        transaction.end();
        transaction.rollback().addListener(f -> {
            replies.complete("ROLLBACK");
            next.run();
        });
    }
}
