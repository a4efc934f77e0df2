package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.function.Consumer;

/**
 * pgsteer's own query on the session's connection to the default shard (inside its transaction, if
 * any, so what its own DDL made is there): the connection is leased as for a statement, the rows read
 * as text, and the connection handed back to the session. An error is the client's to hear.
 */
final class DefaultShardQuery {
    private final ShardedDatabase database;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    /** Takes the connection back after pgsteer's own query on it. */
    private final BackendListener owner;

    DefaultShardQuery(ShardedDatabase database, FanOut fanOut, ClientReplies replies, EventLoop loop, BackendListener owner) {
        this.database = database;
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
    }

    /** {@code then} gets the rows; on an error the client hears it and {@code next} runs. */
    void query(String sql, Consumer<List<List<String>>> then, Runnable next) {
        Future<List<ShardLink>> acquired = fanOut.acquire(List.of(database.config().defaultShard()));
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            ShardLink link = acquired.getNow().getFirst();
            Future<List<List<String>>> read = link.connection().queryInternal(sql, loop, link.status());
            read.addListener(q -> {
                if (link.connection().isUsable()) {
                    link.connection().attach(owner);
                }
                if (!read.isSuccess()) {
                    replies.fail(read.cause());
                    next.run();
                    return;
                }
                then.accept(read.getNow());
            });
        });
    }
}
