package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.copy.CopyFeed;
import dev.pgsteer.proxy.sharding.copy.CopyMirror;
import dev.pgsteer.proxy.sharding.copy.CopyRowSplitter;
import dev.pgsteer.proxy.sharding.copy.CopySplit;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.CopyStatement;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code Command.CopyIntoShards} and {@code Command.CopyIntoReference}: COPY FROM STDIN into a table
 * of the shard map. Every shard runs the COPY, in one transaction with the others (an implicit one
 * when the client has none, committed with two-phase commit like any change on several shards), and
 * the relay feeds the client's copy data to a {@link CopyFeed} until its CopyDone or CopyFail: for a
 * sharded table a {@link CopySplit}, which sends each row to its key's shard, and the client is told
 * the rows of all shards; for a reference table a {@link CopyMirror}, which sends every row to every
 * shard, and the client is told one shard's count once all agree, as for an INSERT into it.
 */
public final class CopyIntoShardsCommand {
    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final CopySplitHolder unit;
    private final EventLoop loop;
    /** Takes the connection back after pgsteer's own query on it. */
    private final BackendListener owner;
    private final TableColumnsReader tableColumns;

    public CopyIntoShardsCommand(ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                                 CopySplitHolder unit, EventLoop loop, BackendListener owner) {
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.unit = unit;
        this.loop = loop;
        this.owner = owner;
        this.tableColumns = new TableColumnsReader(database, fanOut, replies, loop, owner);
    }

    public void run(LexedStatement statement, Command.CopyIntoShards command, Runnable next) {
        TableConfig.Sharded table = command.table();
        CopyStatement copy = command.copy();
        transaction.startImplicit();
        columnsOf(copy, columns -> {
            int keyField = columns.indexOf(table.key());
            if (keyField < 0) {
                replies.fail(SqlState.INVALID_COLUMN_REFERENCE, "COPY into sharded table " + table.name() + " must include its shard key " + table.key()
                        + " among the columns (" + String.join(", ", columns) + ")");
                next.run();
                return;
            }
            CopyStatement.Options o = copy.options();
            CopyRowSplitter splitter = new CopyRowSplitter(o.csv(), o.delimiter(), o.quote(), o.escape(), o.nullText(), keyField, o.header());
            // The shard map as the COPY started: its rows are split by it even if the map changes meanwhile.
            ShardRouter placement = database.router().shards();
            onEveryShard(statement, Answer.COMBINE, targets -> new CopySplit(splitter, table, placement, targets), next);
        }, next);
    }

    public void run(LexedStatement statement, Command.CopyIntoReference command, Runnable next) {
        transaction.startImplicit();
        onEveryShard(statement, Answer.MIRROR, CopyMirror::new, next);
    }

    /** Leases every shard, sends each the COPY, and hands the client's copy data to the feed made for them. */
    private void onEveryShard(LexedStatement statement, Answer answer, Function<List<ShardLink>, CopyFeed> feed, Runnable next) {
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            List<ShardLink> targets = acquired.getNow();
            fanOut.start(targets, answer, false, ex -> {
                unit.copySplitEnded();
                if (ex.failed()) {
                    replies.failed();
                }
                next.run();
            });
            CopyFeed started = feed.apply(targets);
            for (ShardLink link : targets) {
                Channel channel = link.connection().channel();
                channel.write(new Query(statement.text()), channel.voidPromise());
                link.connection().flush();
            }
            unit.copySplitStarted(started);
        });
    }

    /** The COPY's column list, or the table's columns in order, asked of the default shard. */
    private void columnsOf(CopyStatement copy, Consumer<List<String>> then, Runnable next) {
        if (copy.columns() != null) {
            then.accept(copy.columns());
            return;
        }
        tableColumns.read(copy.table(), then, next);
    }
}
