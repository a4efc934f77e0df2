package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.copy.CopiedValues;
import dev.pgsteer.proxy.sharding.copy.CopyOutRows;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code Command.WriteByKeys}: UPDATE or DELETE of a sharded table whose {@code column IN (SELECT
 * ...)} reads other shards. In the session's transaction (pgsteer's own, committed in two phases,
 * when it has none): {@code EXPLAIN} of the statement on the default shard raises PostgreSQL's own
 * errors; the subquery runs as {@code COPY (SELECT x, pg_typeof(x)::text FROM (subquery) ...) TO
 * STDOUT} on the shards its route names; then every shard runs the statement with
 * {@code column = ANY('{values}'::type[])} in place of the IN (the same comparison, NULLs included:
 * each shard changes only its own rows), and the client gets their summed count (and RETURNING rows).
 */
public final class WriteByKeysCommand {
    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    private final BackendListener owner;

    public WriteByKeysCommand(ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                              EventLoop loop, BackendListener owner) {
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
    }

    public void run(LexedStatement statement, Command.WriteByKeys command, Runnable next) {
        transaction.startImplicit();
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            List<ShardLink> links = acquired.getNow();
            fanOut.hold(links);
            ShardLink defaultShard = linkOf(links, database.config().defaultShard());
            Future<Void> explained = defaultShard.connection().runInternal("EXPLAIN " + statement.text(), loop, defaultShard.status());
            explained.addListener(e -> {
                if (!explained.isSuccess()) {
                    failed(links, explained.cause(), next);
                    return;
                }
                read(command, links, new ArrayList<>(), 0, rows -> write(command, links, CopiedValues.of(rows), next), next);
            });
        });
    }

    private void read(Command.WriteByKeys command, List<ShardLink> links, List<Frame> rows, int index, Consumer<List<Frame>> then,
                      Runnable next) {
        List<String> from = command.read().shards();
        if (index == from.size()) {
            then.accept(rows);
            return;
        }
        String copyOut = "COPY (SELECT pgsteer_keys.x, pg_catalog.pg_typeof(pgsteer_keys.x)::text FROM (" + command.select()
                + ") AS pgsteer_keys (x)) TO STDOUT";
        long held = rows.stream().mapToLong(Frame::length).sum();
        Future<List<Frame>> read = CopyOutRows.run(linkOf(links, from.get(index)), copyOut, replies.channel(), loop,
                InsertSelectCommand.MAX_BYTES - held);
        read.addListener(r -> {
            if (read.isSuccess()) {
                rows.addAll(read.getNow());
                read(command, links, rows, index + 1, then, next);
            } else {
                rows.forEach(Frame::release);
                failed(links, read.cause(), next);
            }
        });
    }

    private void write(Command.WriteByKeys command, List<ShardLink> links, CopiedValues values, Runnable next) {
        if (values.type() != null && values.type().endsWith("[]")) {
            attachBack(links);
            fanOut.abandon();
            replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "a write of sharded table " + command.table().name()
                    + " whose IN (SELECT ...) yields arrays is not supported when the subquery reads other shards");
            transaction.statementFailed();
            next.run();
            return;
        }
        String text = command.before() + values.anyOf(command.column()) + command.after();
        attachBack(links);
        fanOut.start(links, Answer.COMBINE, false, request -> {
            for (ShardLink link : request.links()) {
                if (link.status() == TransactionStatus.FAILED) {
                    transaction.statementFailed();
                }
            }
            if (request.failed()) {
                replies.failed();
            }
            next.run();
        });
        for (ShardLink link : links) {
            Channel channel = link.connection().channel();
            channel.write(new Query(text), channel.voidPromise());
            link.connection().flush();
        }
    }

    private void attachBack(List<ShardLink> links) {
        for (ShardLink link : links) {
            if (link.connection().isUsable()) {
                link.connection().attach(owner);
            }
        }
    }

    private void failed(List<ShardLink> links, Throwable cause, Runnable next) {
        fanOut.abandon();
        attachBack(links);
        switch (cause) {
            case CopyOutRows.ShardFailed shard -> {
                replies.channel().write(shard.error(), replies.channel().voidPromise());
                replies.failed();
            }
            case CopyOutRows.TooManyRows tooMany -> replies.fail(SqlState.PROGRAM_LIMIT_EXCEEDED, "the subquery of this write reads more than "
                    + InsertSelectCommand.MAX_BYTES / (1024 * 1024) + " MB of values, which pgsteer holds while it writes; narrow it");
            default -> replies.fail(cause);
        }
        transaction.statementFailed();
        next.run();
    }

    private static ShardLink linkOf(List<ShardLink> links, String shard) {
        return links.stream().filter(l -> l.shard().equals(shard)).findFirst().orElseThrow();
    }
}
