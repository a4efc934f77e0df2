package dev.pgsteer.router;

import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.RouteContext;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.resolve.InsertColumnList;
import dev.pgsteer.router.resolve.ShardTexts;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The writes into a sharded table that the {@link Router} routes through another statement: an
 * INSERT without a column list (as if the table's columns were written), INSERT ... SELECT (its
 * SELECT routed as a read, its rows written by pgsteer), and UPDATE or DELETE with
 * {@code column IN (SELECT ...)} over other shards (the subquery first, then the write with its values),
 * and UPDATE ... FROM or DELETE ... USING over other shards (computed on a coordinator, then written by ctid).
 */
final class WriteForms {
    /** How the router routes a statement it made: as the client's own ({@code coordinated}), or as a part (no coordinator step). */
    @FunctionalInterface
    interface Routing {
        Command route(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse, boolean coordinated);
    }

    /** The statement's analysis, parsed now if its shape is not cached (off the event loop only). */
    private final Function<LexedStatement, Analysis> planner;
    private final Routing routing;

    WriteForms(Function<LexedStatement, Analysis> planner, Routing routing) {
        this.planner = planner;
        this.routing = routing;
    }

    /**
     * Plans (and caches) the statements routing this one routes besides it: the SELECT of an
     * INSERT ... SELECT, the INSERT with its columns written. Slow; off the event loop.
     */
    void planParts(LexedStatement statement, Analysis analysis, RouteContext context) {
        switch (analysis.placement()) {
            case Placement.InsertSelect insert -> planner.apply(SqlLexer.statement(ShardTexts.withLiterals(insert.selectShape(), statement)));
            case Placement.KeysFromSubquery keys -> planner.apply(SqlLexer.statement(ShardTexts.withLiterals(keys.selectShape(), statement)));
            case Placement.JoinedWrite joined when joined.refusal() == null
                    -> planner.apply(SqlLexer.statement(ShardTexts.withLiterals(joined.selectShape(), statement)));
            case Placement.InsertWithoutColumns insert when context.columns().of(insert.table().name()) != null -> {
                try {
                    LexedStatement written = SqlLexer.statement(
                            InsertColumnList.withColumns(statement.text(), insert, context.columns().of(insert.table().name())));
                    planParts(written, planner.apply(written), context);
                } catch (RoutingException e) {
                    // Routing refuses it with the same reason.
                }
            }
            default -> {
                // Nothing else is routed.
            }
        }
    }

    /**
     * An INSERT into a sharded table without a column list: routed as if the table's columns (as the
     * session learned them) were written, and the shards run it so written ({@link InsertColumnList}).
     * Null, like the other routes, when the written statement's plan is not cached yet.
     */
    Command withColumns(LexedStatement statement, Placement.InsertWithoutColumns insert, KeySource.Placeholders values,
                        RouteContext context, boolean mayParse, boolean coordinated) {
        List<String> columns = context.columns().of(insert.table().name());
        if (columns == null) {
            return new Command.LearnColumns(insert.table());
        }
        String text;
        try {
            text = InsertColumnList.withColumns(statement.text(), insert, columns);
        } catch (RoutingException e) {
            return new Command.Refused(e.sqlState(), e.getMessage());
        }
        LexedStatement written = SqlLexer.statement(text);
        Command command = routing.route(written, values, context, mayParse, coordinated);
        if (command instanceof Command.Run run && run.route().textByShard().isEmpty()) {
            Route route = run.route();
            Map<String, String> texts = new LinkedHashMap<>();
            route.shards().forEach(shard -> texts.put(shard, text));
            return new Command.Run(new Route(route.shards(), route.answer(), route.kind(), route.why(), texts, route.merge(),
                    route.parametersByShard()));
        }
        return command;
    }

    /**
     * INSERT ... SELECT into a sharded table: where its SELECT reads, as a COPY to pgsteer. For now
     * the SELECT must be one pgsteer answers by concatenating its shards' rows (or from one shard);
     * one it would merge or coordinate is refused with the reason, as is the extended protocol.
     */
    Command insertSelect(LexedStatement statement, Placement.InsertSelect insert, RouteContext context, boolean mayParse) {
        String what = "INSERT ... SELECT into sharded table " + insert.table().name();
        if (context.extended()) {
            return new Command.Refused("0A000", what + " is supported in the simple query protocol only, for now");
        }
        String select = ShardTexts.withLiterals(insert.selectShape(), statement);
        Command read = routing.route(SqlLexer.statement(select), KeySource.Placeholders.NONE, context, mayParse, false);
        return switch (read) {
            case null -> null;
            case Command.Run run when run.route().merge() == null && run.route().textByShard().isEmpty()
                    -> new Command.InsertSelect(insert.table(), insert.columns(), select, run.route());
            case Command.Run run -> new Command.Refused("0A000", what + " reads rows pgsteer merges from several shards ("
                    + run.route().why() + "), which it cannot write yet; give the SELECT the shard key, or drop its ORDER BY,"
                    + " LIMIT, DISTINCT or aggregates");
            case Command.Refused refused -> new Command.Refused(refused.sqlState(), what + ": " + refused.reason());
            default -> new Command.Refused("0A000", what + " cannot read with this SELECT");
        };
    }

    /**
     * UPDATE or DELETE whose {@code column IN (SELECT ...)} reads rows of other shards than the
     * target's ({@code refusal}: why it cannot run shard by shard): the subquery is routed as a read,
     * which must be one pgsteer answers by concatenation, as for INSERT ... SELECT.
     */
    Command writeByKeys(LexedStatement statement, Placement.KeysFromSubquery keys, RouteContext context, boolean mayParse,
                        RoutingException refusal) {
        if (context.extended()) {
            return new Command.Refused(refusal.sqlState(), refusal.getMessage()
                    + " (pgsteer runs such a subquery first in the simple query protocol only, for now)");
        }
        String select = ShardTexts.withLiterals(keys.selectShape(), statement);
        Command read = routing.route(SqlLexer.statement(select), KeySource.Placeholders.NONE, context, mayParse, false);
        return switch (read) {
            case null -> null;
            case Command.Run run when run.route().merge() == null && run.route().textByShard().isEmpty()
                    -> new Command.WriteByKeys(keys.table(), select, keys.column(), ShardTexts.withLiterals(keys.before(), statement),
                            ShardTexts.withLiterals(keys.after(), statement), run.route());
            case Command.Run run -> new Command.Refused(refusal.sqlState(), refusal.getMessage() + " (its subquery reads rows pgsteer"
                    + " merges from several shards, which it cannot run first yet)");
            default -> new Command.Refused(refusal.sqlState(), refusal.getMessage());
        };
    }

    /**
     * UPDATE ... FROM or DELETE ... USING whose other tables' rows are on other shards than the
     * target's ({@code refusal}: why it cannot run shard by shard): the SELECT over the same tables and
     * conditions is routed as a read, which the coordinator step must answer; its pulls are the write's.
     */
    Command joinedWrite(LexedStatement statement, Placement.JoinedWrite joined, KeySource.Placeholders values, RouteContext context,
                        boolean mayParse, RoutingException refusal) {
        if (joined.refusal() != null) {
            return new Command.Refused(refusal.sqlState(), refusal.getMessage() + " (pgsteer writes such a statement itself"
                    + " through a coordinator, but not this one: " + joined.refusal() + ")");
        }
        String select = ShardTexts.withLiterals(joined.selectShape(), statement);
        Command read = routing.route(SqlLexer.statement(select), values, context, mayParse, true);
        return switch (read) {
            case null -> null;
            case Command.Coordinate coordinate when !coordinate.namedWithSchema().isEmpty() -> new Command.Refused("0A000",
                    refusal.getMessage() + " (pgsteer writes such a statement itself through a coordinator, which reads table "
                    + coordinate.namedWithSchema().getFirst() + " as the transaction sees it into a temporary table that"
                    + " shadows its plain name only: name it without its schema, for now)");
            case Command.Coordinate coordinate -> new Command.JoinedWrite(joined.table(), joined.delete(), joined.target(),
                    joined.reference(), joined.setColumns(), text(statement.shape(), statement), text(joined.computeShape(), statement),
                    text(joined.returningShape(), statement), joined.returningNames(), coordinate);
            case Command.Refused refused -> new Command.Refused(refused.sqlState(), refusal.getMessage() + " (" + refused.reason() + ")");
            default -> new Command.Refused(refusal.sqlState(), refusal.getMessage());
        };
    }

    private static Command.JoinedWrite.Text text(String shape, LexedStatement statement) {
        ShardTexts.SplitText text = ShardTexts.withLiteralsRenumbered(shape, statement);
        return new Command.JoinedWrite.Text(text.text(), text.parameters());
    }
}
