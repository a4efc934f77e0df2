package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.message.backend.RowDescription.Field;
import dev.pgsteer.protocol.message.backend.RowDescription;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.proxy.sharding.coordinator.PullParameters;
import dev.pgsteer.proxy.sharding.coordinator.PullStatements;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.JoinScope;
import dev.pgsteer.router.plan.PulledLocal;
import dev.pgsteer.router.plan.PulledTable;
import dev.pgsteer.router.plan.Route;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code Command.ExplainRoute}: EXPLAIN ROUTE statement answers, without running it, where the
 * statement would run and why: a row (shards, answer, reason), then a row per shard whose text
 * pgsteer rewrites (shard, "runs", text). For the coordinator step, after the first row (every
 * shard, "coordinator", why) come its statements in the order they run, as (shard, step, SQL): the
 * temporary tables made and filled on the coordinator, each table pulled from each other shard, the
 * client's statement, unchanged, and the ROLLBACK that drops the tables. Tables are shown by their
 * plain names: the step qualifies them with the schema the coordinator's catalog gives when it runs.
 * Inside a transaction block it shows what would run there ({@link CoordinatorStep}): the coordinator
 * is a connection apart ({@code s0 (apart)}), its tables are created empty, and every shard's rows,
 * the default shard's included, and the unsharded and reference tables the statement reads come over
 * the session's own connections, as its transaction sees them.
 */
public final class ExplainRouteCommand {
    /** How the coordinator apart from the session's connections is named in the shards column. */
    private static final String APART = " (apart)";

    private final ClientReplies replies;
    /** Whether the session is inside a transaction block (explicit, or pgsteer's implicit one). */
    private final BooleanSupplier inTransaction;

    public ExplainRouteCommand(ClientReplies replies, BooleanSupplier inTransaction) {
        this.replies = replies;
        this.inTransaction = inTransaction;
    }

    public void run(Route route, StatementSender sender, Runnable next) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(String.join(", ", route.shards()), route.answer().name().toLowerCase(Locale.ROOT), route.why()));
        for (Map.Entry<String, String> rewritten : route.textByShard().entrySet()) {
            rows.add(List.of(rewritten.getKey(), "runs", rewritten.getValue()));
        }
        answer(rows, sender, next);
    }

    public void run(Command.ExplainCoordinated explained, StatementSender sender, Runnable next) {
        Command.Coordinate coordinate = explained.coordinate();
        boolean inTransaction = this.inTransaction.getAsBoolean();
        String shard = coordinate.coordinatorShard();
        String coordinator = inTransaction ? shard + APART : shard;
        List<String> tables = coordinate.tables().stream().map(TableConfig.Sharded::name).toList();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(String.join(", ", explained.shards()), "coordinator", explained.why() + "; the coordinator step runs "
                + "it on " + coordinator + " over the rows of " + String.join(", ", tables) + " pulled from every shard"
                + (inTransaction ? ", inside the transaction block on a connection to " + shard + " apart from the session's"
                + " (never in its transaction), every row pulled over the session's own connections as its transaction sees"
                + " them" : "")));
        List<PullStatements.Explained> pulls = new ArrayList<>();
        // Inside a transaction block the isolation level is not the session's: the connection apart sees what is committed.
        StringBuilder creates = new StringBuilder(inTransaction ? "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE" : "BEGIN");
        if (inTransaction) {
            creates.append("; <the session's settings where the connection apart differs, as set_config(name, value, true)>");
        }
        // In the extended protocol, conditions on the client's parameters are pushed as running would push them.
        PullParameters parameters = sender instanceof ExtendedSender extended ? PullParameters.of(extended.portal()) : null;
        for (int i = 0; i < tables.size(); i++) {
            String table = tables.get(i);
            PulledTable pull = coordinate.pulls().get(i);
            pulls.add(PullStatements.explained(pull, table, parameters));
            String shape = pull.identifiers() == null ? "(LIKE " + table + ")" : "(<the columns of " + table + " the statement names>)";
            creates.append("; CREATE TEMP TABLE ").append(table).append(' ').append(shape).append(" ON COMMIT DROP");
            if (!inTransaction) {
                creates.append("; INSERT INTO pg_temp.").append(table).append(' ').append(pulls.get(i).rows());
            }
        }
        if (inTransaction) {
            for (String other : coordinate.alsoReads()) {
                creates.append("; CREATE TEMP TABLE ").append(other).append(" (LIKE ").append(other).append(") ON COMMIT DROP");
            }
        }
        rows.add(List.of(coordinator, "creates", creates.toString()));
        for (String from : explained.shards()) {
            if (inTransaction || !from.equals(shard)) {
                for (PullStatements.Explained pull : pulls) {
                    rows.add(List.of(from, "pulled into " + coordinator, pull.shardRuns()));
                }
            }
        }
        if (inTransaction) {
            // The unsharded and reference tables it reads, as the transaction sees them, over the session's own link.
            for (String other : coordinate.alsoReads()) {
                rows.add(List.of(shard, "pulled into " + coordinator, "COPY (SELECT * FROM " + other + ") TO STDOUT (FORMAT binary)"));
            }
        }
        String joins = joins(explained.coordinate().joins(), explained.coordinate().locals());
        if (joins != null) {
            rows.add(List.of(coordinator, "narrows by joins", joins));
        }
        rows.add(List.of(coordinator, "runs", explained.statement()));
        rows.add(List.of(coordinator, "ends", inTransaction ? "ROLLBACK (the connection apart goes back to its pool;"
                + " the session's transaction goes on)" : "ROLLBACK"));
        answer(rows, sender, next);
    }

    /**
     * The equalities the pulls may be narrowed by ({@code KeyLists}), decided when the step runs from
     * the catalog's estimates and the conditions each table's pull pushes; null when there are none.
     */
    private static String joins(List<JoinScope> scopes, List<PulledLocal> locals) {
        List<String> parts = new ArrayList<>();
        for (JoinScope scope : scopes) {
            List<String> receivers = scope.members().entrySet().stream().filter(m -> m.getValue().receives())
                    .map(m -> table(m.getValue().table(), locals)).sorted().toList();
            if (receivers.isEmpty()) {
                continue;
            }
            String equalities = String.join(" AND ", scope.equalities().stream()
                    .map(e -> name(e.left(), scope, locals) + " = " + name(e.right(), scope, locals)).toList());
            parts.add(equalities + " (may narrow " + String.join(", ", receivers) + ")");
        }
        if (parts.isEmpty()) {
            return null;
        }
        return String.join("; ", parts) + ": when it runs, a table is pulled after a smaller joined one (by the catalog's"
                + " estimates) that has conditions of its own, only for the key values that one's rows hold, or with"
                + " EXISTS of a co-located one joined key to key";
    }

    /** A member's table as the statement names it: a reference or unsharded one's plan name ({@link JoinScope#LOCAL}) is no SQL. */
    private static String table(String planned, List<PulledLocal> locals) {
        int local = JoinScope.localIndex(planned);
        return local >= 0 && local < locals.size() ? locals.get(local).table() : planned;
    }

    private static String name(JoinScope.Column column, JoinScope scope, List<PulledLocal> locals) {
        if (column.qualifier() != null && JoinScope.Member.nested(column.qualifier())) {
            // An IN (SELECT y FROM t ...) conjunct's values: named after the table, the name the plan gives it is no SQL.
            return "IN (SELECT " + table(scope.members().get(column.qualifier()).table(), locals) + "." + column.name() + ")";
        }
        return column.qualifier() == null ? column.name() : column.qualifier() + "." + column.name();
    }

    private void answer(List<List<String>> rows, StatementSender sender, Runnable next) {
        ByteBufAllocator alloc = replies.channel().alloc();
        if (sender.describe()) {
            replies.write(RowDescription.encode(alloc, List.of(text("shards"), text("answer"), text("reason"))));
        }
        for (List<String> row : rows) {
            replies.write(DataRow.encodeText(alloc, row));
        }
        replies.complete("EXPLAIN ROUTE " + rows.size());
        next.run();
    }

    /** A column of type text, in text format. */
    private static Field text(String name) {
        return Field.computed(name, PgValues.TEXT, -1, Bind.TEXT);
    }
}
