package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;

/** {@code Command.Commit}: COMMIT or END commits on every shard of the transaction (two-phase when several). */
public final class CommitCommand {
    private final ShardTransaction transaction;
    private final ClientReplies replies;

    public CommitCommand(ShardTransaction transaction, ClientReplies replies) {
        this.transaction = transaction;
        this.replies = replies;
    }

    public void run(Runnable next) {
        if (transaction.mode() != ShardTransaction.Mode.EXPLICIT) {
            replies.notice(SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress");
            replies.complete("COMMIT");
            next.run();
            return;
        }
        boolean failed = transaction.isFailed();
        transaction.end();
        // COMMIT of a failed transaction rolls it back, and says so, as in PostgreSQL.
        (failed ? transaction.rollback() : transaction.commit()).addListener(f -> {
            if (!f.isSuccess()) {
                replies.fail(f.cause());
            } else {
                replies.complete(failed ? "ROLLBACK" : "COMMIT");
            }
            next.run();
        });
    }
}
