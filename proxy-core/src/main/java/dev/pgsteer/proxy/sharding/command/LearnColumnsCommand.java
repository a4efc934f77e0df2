package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.SessionColumns;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import io.netty.channel.EventLoop;
import java.util.List;

/**
 * {@code Command.LearnColumns}: an INSERT without a column list into a sharded table whose columns
 * the session does not know. They are read from the default shard's catalog over the session's own
 * connection (inside its transaction, if any, so a column its own DDL added is there), then the
 * statement is routed again, as if they were written.
 */
public final class LearnColumnsCommand {
    private final ShardedDatabase database;
    private final SessionColumns columns;
    private final ShardTransaction transaction;
    private final TableColumnsReader tableColumns;

    public LearnColumnsCommand(ShardedDatabase database, SessionColumns columns, ShardTransaction transaction, FanOut fanOut,
                               ClientReplies replies, EventLoop loop, BackendListener owner) {
        this.database = database;
        this.columns = columns;
        this.transaction = transaction;
        this.tableColumns = new TableColumnsReader(database, fanOut, replies, loop, owner);
    }

    /** Reads {@code table}'s columns, then runs {@code routeAgain}; on an error, answers it and runs {@code next}. */
    public void run(TableConfig.Sharded table, Runnable routeAgain, Runnable next) {
        long since = database.columns().generation();
        // Outside a transaction block the catalog shows what is committed, which every session sees.
        boolean shared = transaction.mode() == ShardTransaction.Mode.NONE;
        tableColumns.read(table.name(), read -> {
            columns.learned(table.name(), read, since, shared);
            routeAgain.run();
        }, next);
    }
}
