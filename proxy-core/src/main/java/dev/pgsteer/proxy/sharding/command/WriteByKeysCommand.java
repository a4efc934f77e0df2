package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.copy.CopiedValues;
import dev.pgsteer.proxy.sharding.copy.CopyOutRows;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.util.concurrent.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Command.WriteByKeys}: UPDATE or DELETE of a sharded table whose {@code column IN (SELECT
 * ...)} reads other shards. In the session's transaction (pgsteer's own, committed in two phases,
 * when it has none): {@code EXPLAIN} of the statement on the default shard raises PostgreSQL's own
 * errors (and, in the extended protocol, types the client's parameters); {@code SELECT x,
 * pg_typeof(x)::text FROM (subquery) ...} is read by {@link RowsForWrite} (on the shards its route
 * names, or on the coordinator); then every shard runs the statement with {@code column =
 * ANY('{values}'::type[])} in place of the IN (the same comparison, NULLs included: each shard
 * changes only its own rows), as an ordinary statement on every shard ({@link RunCommand}: in the
 * client's protocol, with its parameters, its Describe answered by the shards), and the client gets
 * their summed count (and RETURNING rows).
 */
public final class WriteByKeysCommand {
    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final BackendListener owner;
    private final RowsForWrite reads;
    private final RunCommand run;

    WriteByKeysCommand(ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                       BackendListener owner, RowsForWrite reads, RunCommand run) {
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.owner = owner;
        this.reads = reads;
        this.run = run;
    }

    public void run(LexedStatement statement, StatementSender sender, Command.WriteByKeys command, Runnable next) {
        transaction.startImplicit();
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            List<ShardLink> links = acquired.getNow();
            fanOut.hold(links);
            ShardLink defaultShard = links.stream().filter(l -> l.shard().equals(database.config().defaultShard())).findFirst()
                    .orElseThrow();
            Future<RowsForWrite.Parameters> checked = reads.check(defaultShard, statement, sender);
            checked.addListener(e -> {
                if (!checked.isSuccess()) {
                    failed(links, checked.cause(), next);
                    return;
                }
                String keys = "SELECT pgsteer_keys.x, pg_catalog.pg_typeof(pgsteer_keys.x)::text FROM (" + command.select()
                        + ") AS pgsteer_keys (x)";
                Future<List<Frame>> read = reads.read(command.read(), keys, sender, checked.getNow(), links, InsertSelectCommand.MAX_BYTES);
                read.addListener(r -> {
                    if (read.isSuccess()) {
                        write(statement, command, links, checked.getNow(), CopiedValues.of(read.getNow()), next);
                    } else {
                        failed(links, read.cause(), next);
                    }
                });
            });
        });
    }

    /** The statement on every shard, with the values in place of the IN, as any statement on several shards runs. */
    private void write(LexedStatement statement, Command.WriteByKeys command, List<ShardLink> links, RowsForWrite.Parameters parameters,
                       CopiedValues values, Runnable next) {
        fanOut.abandon();
        attachBack(links);
        if (values.type() != null && values.type().endsWith("[]")) {
            replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "a write of sharded table " + command.table().name()
                    + " whose IN (SELECT ...) yields arrays is not supported when the subquery reads other shards");
            next.run();
            return;
        }
        String text = command.before() + values.anyOf(command.column()) + command.after();
        Map<String, String> texts = new LinkedHashMap<>();
        database.config().shards().forEach(shard -> texts.put(shard, text));
        Route everyShard = new Route(database.config().shards(), Answer.COMBINE, StatementKind.WRITE,
                "the keys its subquery read, on every shard", texts, null, Map.of());
        run.run(statement, parameters.typed(statement), everyShard, next);
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
            case RowsForWrite.Told told -> {
                // The coordinator step told the client why, and failed the statement.
            }
            case CopyOutRows.ShardFailed shard -> {
                replies.channel().write(shard.error(), replies.channel().voidPromise());
                replies.failed();
            }
            case CopyOutRows.TooManyRows tooMany -> replies.fail(SqlState.PROGRAM_LIMIT_EXCEEDED, "the subquery of this write reads more than "
                    + InsertSelectCommand.MAX_BYTES / (1024 * 1024) + " MB of values, which pgsteer holds while it writes; narrow it");
            default -> replies.fail(cause);
        }
        next.run();
    }
}
