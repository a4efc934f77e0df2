package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;

/**
 * {@code Command.Savepoint}: SAVEPOINT, RELEASE or ROLLBACK TO on every shard of the transaction,
 * remembered for the shards that join it later. Outside a transaction block it is an error.
 */
public final class SavepointCommand {
    private final ShardTransaction transaction;
    private final ClientReplies replies;

    public SavepointCommand(ShardTransaction transaction, ClientReplies replies) {
        this.transaction = transaction;
        this.replies = replies;
    }

    public void run(String text, Command.Savepoint savepoint, Runnable next) {
        String tag = savepoint.tag();
        if (transaction.mode() != ShardTransaction.Mode.EXPLICIT) {
            replies.fail(SqlState.NO_ACTIVE_SQL_TRANSACTION, switch (savepoint.kind()) {
                case SAVEPOINT -> "SAVEPOINT";
                case RELEASE -> "RELEASE SAVEPOINT";
                case ROLLBACK_TO -> "ROLLBACK TO SAVEPOINT";
            } + " can only be used in transaction blocks");
            next.run();
            return;
        }
        transaction.savepoint(text, tag).addListener(f -> {
            if (f.isSuccess()) {
                replies.complete(tag);
            } else {
                replies.fail(f.cause());
            }
            next.run();
        });
    }
}
