package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.backend.NoData;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.CatalogQueries;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.copy.CopyInShards;
import dev.pgsteer.proxy.sharding.copy.CopyOutRows;
import dev.pgsteer.proxy.sharding.copy.CopyRowSplitter;
import dev.pgsteer.proxy.sharding.copy.CopySplit;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code Command.InsertSelect}: INSERT ... SELECT into a sharded table, written by pgsteer, in the
 * session's transaction (pgsteer's own, committed in two phases, when it has none). On the default
 * shard, the table's catalog (its column types; a table with rules is refused, since COPY does not
 * apply rules) and {@code EXPLAIN} of the client's statement, which raises every error PostgreSQL's
 * analysis of it would (types that do not convert on assignment, generated columns, privileges).
 * Then {@code SELECT c1::type1, ... FROM (select) s}, each value cast to its column's type as the
 * INSERT would assign it, is read by {@link RowsForWrite} (on each shard the route names, or on the
 * coordinator), and its rows, held (at most {@link #MAX_BYTES}), go into the table by {@code COPY t
 * (columns) FROM STDIN} on every shard, each row to its key's shard (COPY fires the table's INSERT
 * triggers). The client is told {@code INSERT 0 n}, n being the rows the shards took (after NoData
 * when its Execute came with a Describe of the portal, as PostgreSQL answers one for an INSERT).
 *
 * <p>The rows are held between reading and writing because both run on the session's own
 * connections (so the SELECT sees what the transaction wrote), and a connection cannot send rows of
 * one COPY while it takes those of another.
 */
public final class InsertSelectCommand {
    /** The most bytes of rows one statement holds. */
    public static final long MAX_BYTES = 64L * 1024 * 1024;

    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    /** The session, which the connections go back to after pgsteer's own statements on them. */
    private final BackendListener owner;
    private final RowsForWrite reads;

    InsertSelectCommand(ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                        EventLoop loop, BackendListener owner, RowsForWrite reads) {
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
        this.reads = reads;
    }

    public void run(LexedStatement statement, StatementSender sender, Command.InsertSelect command, Runnable next) {
        transaction.startImplicit();
        // The shard map as the statement was routed: its rows are split by it even if the map changes while the SELECT runs.
        ShardRouter placement = database.router().shards();
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            List<ShardLink> links = acquired.getNow();
            fanOut.hold(links);
            Step step = new Step(statement, sender, command, links, placement, next);
            step.types(types -> step.check(step::read));
        });
    }

    /** One execution's steps, each going on with the next or ending the statement with its error. */
    private final class Step {
        private final LexedStatement statement;
        private final StatementSender sender;
        private final Command.InsertSelect command;
        private List<ShardLink> links;
        private final ShardLink defaultShard;
        private final ShardRouter placement;
        private final Runnable next;
        private Map<String, String> types;

        Step(LexedStatement statement, StatementSender sender, Command.InsertSelect command, List<ShardLink> links,
             ShardRouter placement, Runnable next) {
            this.statement = statement;
            this.placement = placement;
            this.sender = sender;
            this.command = command;
            this.links = links;
            this.defaultShard = linkOf(database.config().defaultShard());
            this.next = next;
        }

        /** The table's column types; a table with rules is refused. */
        void types(Consumer<Map<String, String>> then) {
            TableConfig.Sharded table = command.table();
            Future<List<List<String>>> read = defaultShard.connection().queryInternal(CatalogQueries.insertTarget(table.name()), loop,
                    defaultShard.status());
            read.addListener(r -> {
                if (!read.isSuccess()) {
                    failed(read.cause());
                    return;
                }
                if (read.getNow().isEmpty()) {
                    refused(SqlState.UNDEFINED_TABLE, "relation \"" + table.name() + "\" does not exist");
                    return;
                }
                if (read.getNow().getFirst().get(2).equals("t")) {
                    refused(SqlState.FEATURE_NOT_SUPPORTED, "INSERT ... SELECT into sharded table " + table.name()
                            + " is not supported: the table has rules, which pgsteer's COPY of the rows would not apply");
                    return;
                }
                types = new HashMap<>();
                read.getNow().forEach(row -> types.put(row.get(0), row.get(1)));
                then.accept(types);
            });
        }

        /** PostgreSQL's own analysis of the client's statement (its errors are the client's), and its parameters' types. */
        void check(Consumer<RowsForWrite.Parameters> then) {
            Future<RowsForWrite.Parameters> checked = reads.check(defaultShard, statement, sender);
            checked.addListener(e -> {
                if (checked.isSuccess()) {
                    then.accept(checked.getNow());
                } else {
                    failed(checked.cause());
                }
            });
        }

        /** The SELECT's rows, where the route says; after the coordinator step, the session's links are leased again. */
        void read(RowsForWrite.Parameters parameters) {
            Future<List<Frame>> read = reads.read(command.read(), castSelect(), sender, parameters, links, MAX_BYTES);
            read.addListener(r -> {
                if (!read.isSuccess()) {
                    failed(read.cause());
                } else if (command.read() instanceof Command.Coordinate) {
                    Future<List<ShardLink>> again = fanOut.acquire(database.config().shards());
                    again.addListener(a -> {
                        if (!fanOut.ready(again, next)) {
                            read.getNow().forEach(Frame::release);
                            return;
                        }
                        links = again.getNow();
                        fanOut.hold(links);
                        write(read.getNow());
                    });
                } else {
                    write(read.getNow());
                }
            });
        }

        void write(List<Frame> rows) {
            TableConfig.Sharded table = command.table();
            CopyRowSplitter splitter = new CopyRowSplitter(false, '\t', '"', '"', "\\N", command.columns().indexOf(table.key()), false);
            CopySplit split = new CopySplit(splitter, table, placement, links);
            Future<Long> written = CopyInShards.run(links, copyIn(), split, rows, replies, loop);
            written.addListener(w -> {
                if (written.isSuccess()) {
                    end();
                    if (sender.extended() && sender.describe()) {
                        replies.write(NoData.INSTANCE.encode(replies.channel().alloc()));
                    }
                    replies.complete("INSERT 0 " + written.getNow());
                    next.run();
                } else {
                    failed(written.cause());
                }
            });
        }

        /** The SELECT, each column cast to its target column's type (without modifier: the COPY applies it, as an assignment would). */
        private String castSelect() {
            StringBuilder casts = new StringBuilder();
            StringBuilder names = new StringBuilder();
            for (int i = 0; i < command.columns().size(); i++) {
                String column = command.columns().get(i);
                String type = types.get(column);
                casts.append(i == 0 ? "" : ", ").append("pgsteer_rows.c").append(i + 1).append(type == null ? "" : "::" + type);
                names.append(i == 0 ? "" : ", ").append('c').append(i + 1);
            }
            return "SELECT " + casts + " FROM (" + command.select() + ") AS pgsteer_rows (" + names + ")";
        }

        private String copyIn() {
            StringBuilder columns = new StringBuilder();
            for (String column : command.columns()) {
                columns.append(columns.isEmpty() ? "" : ", ").append(quoted(column));
            }
            return "COPY " + quoted(command.table().name()) + " (" + columns + ") FROM STDIN";
        }

        private ShardLink linkOf(String shard) {
            return links.stream().filter(l -> l.shard().equals(shard)).findFirst().orElseThrow();
        }

        /** The connections go back to the session; nothing is in flight any more. */
        private void end() {
            fanOut.abandon();
            for (ShardLink link : links) {
                if (link.connection().isUsable()) {
                    link.connection().attach(owner);
                }
            }
        }

        private void refused(SqlState state, String message) {
            end();
            replies.fail(state, message);
            transaction.statementFailed();
            next.run();
        }

        private void failed(Throwable cause) {
            end();
            switch (cause) {
                case RowsForWrite.Told told -> {
                    // The coordinator step told the client why, and failed the statement.
                }
                case CopyOutRows.ShardFailed shard -> {
                    replies.channel().write(shard.error(), replies.channel().voidPromise());
                    replies.failed();
                }
                case CopyOutRows.TooManyRows tooMany -> replies.fail(SqlState.PROGRAM_LIMIT_EXCEEDED, "INSERT ... SELECT into sharded table "
                        + command.table().name() + " reads more than " + MAX_BYTES / (1024 * 1024) + " MB of rows, which pgsteer holds"
                        + " while it writes them; insert fewer rows at a time (narrow the SELECT), or COPY them out and in");
                // The split told the client why already.
                case CopyInShards.SplitFailed split -> replies.failed();
                default -> replies.fail(cause);
            }
            transaction.statementFailed();
            next.run();
        }
    }

    private static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
