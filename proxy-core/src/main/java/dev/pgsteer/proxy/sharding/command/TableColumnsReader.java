package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.CatalogQueries;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.function.Consumer;

/**
 * A table's columns in order, read from the default shard's catalog over the session's own
 * connection (inside its transaction, if any, so a column its own DDL added is there): for a COPY
 * without a column list and an INSERT without one. A table that does not exist is PostgreSQL's 42P01.
 */
final class TableColumnsReader {
    private final DefaultShardQuery query;
    private final ClientReplies replies;

    TableColumnsReader(ShardedDatabase database, FanOut fanOut, ClientReplies replies, EventLoop loop, BackendListener owner) {
        this.query = new DefaultShardQuery(database, fanOut, replies, loop, owner);
        this.replies = replies;
    }

    /** {@code then} gets the columns; on an error the client hears it and {@code next} runs. */
    void read(String table, Consumer<List<String>> then, Runnable next) {
        query.query(CatalogQueries.columns(table), rows -> {
            if (rows.isEmpty()) {
                replies.fail(SqlState.UNDEFINED_TABLE, "relation \"" + table + "\" does not exist");
                next.run();
                return;
            }
            then.accept(rows.stream().map(List::getFirst).toList());
        }, next);
    }
}
