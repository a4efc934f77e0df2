package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.CatalogQueries;
import dev.pgsteer.proxy.sharding.SessionColumns;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
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
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    /** Takes the connection back after pgsteer's own query on it. */
    private final BackendListener owner;

    public LearnColumnsCommand(ShardedDatabase database, SessionColumns columns, ShardTransaction transaction, FanOut fanOut,
                               ClientReplies replies, EventLoop loop, BackendListener owner) {
        this.database = database;
        this.columns = columns;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
    }

    /** Reads {@code table}'s columns, then runs {@code routeAgain}; on an error, answers it and runs {@code next}. */
    public void run(TableConfig.Sharded table, Runnable routeAgain, Runnable next) {
        long since = database.columns().generation();
        // Outside a transaction block the catalog shows what is committed, which every session sees.
        boolean shared = transaction.mode() == ShardTransaction.Mode.NONE;
        Future<List<ShardLink>> acquired = fanOut.acquire(List.of(database.config().defaultShard()));
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            ShardLink link = acquired.getNow().getFirst();
            Future<List<List<String>>> read = link.connection().queryInternal(CatalogQueries.columns(table.name()), loop, link.status());
            read.addListener(q -> {
                if (link.connection().isUsable()) {
                    link.connection().attach(owner);
                }
                if (!read.isSuccess()) {
                    replies.fail(read.cause());
                    next.run();
                    return;
                }
                if (read.getNow().isEmpty()) {
                    replies.fail(SqlState.UNDEFINED_TABLE, "relation \"" + table.name() + "\" does not exist");
                    next.run();
                    return;
                }
                columns.learned(table.name(), read.getNow().stream().map(List::getFirst).toList(), since, shared);
                routeAgain.run();
            });
        });
    }
}
