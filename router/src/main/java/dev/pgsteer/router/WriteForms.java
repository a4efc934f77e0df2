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
 * SELECT read by pgsteer, on its shards or on the coordinator, its rows written by pgsteer),
 * UPDATE or DELETE with {@code column IN (SELECT ...)} over other shards (the subquery first, then
 * the write with its values), in the simple and the extended protocol, and UPDATE ... FROM or
 * DELETE ... USING over other shards (computed on a coordinator, then written by ctid).
 */
final class WriteForms {
    /** How the router routes a statement it made: as the client's own ({@code coordinated}), or as a part (no coordinator step). */
    @FunctionalInterface
    interface Routing {
        Command route(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse, boolean coordinated);
    }

    /** How the router has the coordinator step answer a read it would merge from several shards. */
    @FunctionalInterface
    interface Coordination {
        /** The step's {@link Command.Coordinate} for {@code read}, a refusal, or null when its plan is not cached yet. */
        Command coordinate(LexedStatement read, boolean mayParse);
    }

    /** The statement's analysis, parsed now if its shape is not cached (off the event loop only). */
    private final Function<LexedStatement, Analysis> planner;
    private final Routing routing;
    private final Coordination coordination;

    WriteForms(Function<LexedStatement, Analysis> planner, Routing routing, Coordination coordination) {
        this.planner = planner;
        this.routing = routing;
        this.coordination = coordination;
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
     * INSERT ... SELECT into a sharded table: its SELECT is read by pgsteer (see {@link #read}), in
     * either protocol (the client's parameters go with it), and its rows written by pgsteer.
     */
    Command insertSelect(LexedStatement statement, Placement.InsertSelect insert, KeySource.Placeholders values, RouteContext context,
                         boolean mayParse) {
        String what = "INSERT ... SELECT into sharded table " + insert.table().name();
        String select = ShardTexts.withLiterals(insert.selectShape(), statement);
        return switch (read(select, values, context, mayParse)) {
            case null -> null;
            case Command.Read read -> new Command.InsertSelect(insert.table(), insert.columns(), select, read);
            case Command.Refused refused -> new Command.Refused(refused.sqlState(), what + ": " + refused.reason());
            default -> new Command.Refused("0A000", what + " cannot read with this SELECT");
        };
    }

    /**
     * UPDATE or DELETE whose {@code column IN (SELECT ...)} reads rows of other shards than the
     * target's ({@code refusal}: why it cannot run shard by shard): the subquery is read by pgsteer
     * (see {@link #read}) before the write.
     */
    Command writeByKeys(LexedStatement statement, Placement.KeysFromSubquery keys, KeySource.Placeholders values, RouteContext context,
                        boolean mayParse, RoutingException refusal) {
        String select = ShardTexts.withLiterals(keys.selectShape(), statement);
        return switch (read(select, values, context, mayParse)) {
            case null -> null;
            case Command.Read read -> new Command.WriteByKeys(keys.table(), select, keys.column(),
                    ShardTexts.withLiterals(keys.before(), statement), ShardTexts.withLiterals(keys.after(), statement), read);
            case Command.Refused refused -> new Command.Refused(refusal.sqlState(), refusal.getMessage()
                    + " (pgsteer would run its subquery first, but: " + refused.reason() + ")");
            default -> new Command.Refused(refusal.sqlState(), refusal.getMessage());
        };
    }

    /**
     * Where pgsteer reads the rows of a write's SELECT: on its shards when their rows are simply
     * concatenated (one shard, or several without ORDER BY, LIMIT, DISTINCT or aggregates over them),
     * else on the coordinator, which holds every shard's rows and so answers what pgsteer would merge
     * or cannot answer from the shards' rows. A {@link Command.Read}, a refusal, or null when a plan is
     * not cached yet.
     */
    private Command read(String select, KeySource.Placeholders values, RouteContext context, boolean mayParse) {
        LexedStatement read = SqlLexer.statement(select);
        Command command = routing.route(read, values, context, mayParse, true);
        return switch (command) {
            case Command.Run run when run.route().merge() != null || !run.route().textByShard().isEmpty()
                    -> coordination.coordinate(read, mayParse);
            case null, default -> command;
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
            // A table named with its schema is read as pg_temp.t by the coordinator step (QualifiedNames), or refused there.
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
