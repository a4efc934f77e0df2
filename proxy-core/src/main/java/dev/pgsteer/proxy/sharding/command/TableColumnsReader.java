package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.CatalogQueries;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.function.Consumer;

/**
 * A table's columns in order, read from the default shard's catalog over the session's own
 * connection (inside its transaction, if any, so a column its own DDL added is there): for a COPY
 * without a column list and an INSERT without one. A table that does not exist is PostgreSQL's 42P01.
 */
final class TableColumnsReader {
    private final ShardedDatabase database;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    /** Takes the connection back after pgsteer's own query on it. */
    private final BackendListener owner;

    TableColumnsReader(ShardedDatabase database, FanOut fanOut, ClientReplies replies, EventLoop loop, BackendListener owner) {
        this.database = database;
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
    }

    /** {@code then} gets the columns; on an error the client hears it and {@code next} runs. */
    void read(String table, Consumer<List<String>> then, Runnable next) {
        Future<List<ShardLink>> acquired = fanOut.acquire(List.of(database.config().defaultShard()));
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            ShardLink link = acquired.getNow().getFirst();
            Future<List<List<String>>> read = link.connection().queryInternal(CatalogQueries.columns(table), loop, link.status());
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
                    replies.fail(SqlState.UNDEFINED_TABLE, "relation \"" + table + "\" does not exist");
                    next.run();
                    return;
                }
                then.accept(read.getNow().stream().map(List::getFirst).toList());
            });
        });
    }
}
