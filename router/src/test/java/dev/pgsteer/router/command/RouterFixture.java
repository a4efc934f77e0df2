package dev.pgsteer.router.command;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.plan.KeyPlacer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A sharded database for the command tables: {@code orders} hashed on customer_id over s0, s1, s2,
 * {@code items} hashed on order_id (not co-located with orders), {@code currencies} a reference table. The stand-in placer puts key k on shard k mod 3, so the
 * expected shard can be read off the SQL. {@link #answer} writes a command as one line, the whole
 * of it: what it is, its shards, how they answer, the statement kind and the reason.
 */
final class RouterFixture {
    static final DatabaseConfig SHOP = shop();
    static final KeyPlacer PLACER = (table, value) -> (int) Math.floorMod(Long.parseLong(value.text().trim()), 3L);

    final Router router = new Router(new ShardRouter(SHOP, PLACER, 100));

    private static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), null));
        tables.put("currencies", new TableConfig.Reference("currencies"));
        // Sharded on another key than orders: joined to it, rows are on several shards.
        tables.put("items", new TableConfig.Sharded("items", "order_id", new ShardFunction.Hash(), null));
        return new DatabaseConfig("shop", List.of("s0", "s1", "s2"), "s0", tables, null, PoolConfig.defaults());
    }

    /** The command for a simple-protocol statement outside a transaction. */
    String answer(String sql) {
        return answer(sql, new RouteContext(Set.of(), false, false));
    }

    String answer(String sql, RouteContext context) {
        return describe(router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE, context));
    }

    static String describe(Command command) {
        return switch (command) {
            case Command.Run run -> "run " + route(run.route());
            case Command.Begin begin -> "begin";
            case Command.Commit commit -> "commit";
            case Command.Rollback rollback -> "rollback";
            case Command.Savepoint savepoint -> "savepoint " + savepoint.kind().name().toLowerCase(Locale.ROOT)
                    + " tag " + savepoint.tag();
            case Command.TransactionSetting setting -> "transaction setting " + route(setting.route());
            case Command.SessionSetting setting -> "session setting " + route(setting.route());
            case Command.Discard discard -> "discard " + route(discard.route());
            case Command.Listen listen -> "listen " + route(listen.route());
            case Command.Deallocate deallocate -> "deallocate tag " + deallocate.tag()
                    + (deallocate.name() == null ? "" : " of " + deallocate.name());
            case Command.SqlPrepare prepare -> "prepare " + prepare.prepare().name()
                    + (prepare.prepare().types().isEmpty() ? "" : " " + prepare.prepare().types()) + " as " + prepare.prepare().body();
            case Command.SqlExecute execute -> "execute " + execute.execute().name() + " with "
                    + execute.execute().arguments().stream().map(a -> a.getClass().getSimpleName() + " " + a.text()).toList();
            case Command.Explain explain -> "explain " + route(explain.route()) + " of " + String.join(" ", explain.shards());
            case Command.ExplainRoute explain -> "explain route " + route(explain.route());
            case Command.ExplainCoordinator explain -> "explain on coordinator " + describe(explain.coordinate())
                    + " from " + String.join(" ", explain.shards());
            case Command.ExplainCoordinated explain -> "explain coordinate on " + explain.coordinate().coordinatorShard()
                    + " pulling " + String.join(" ", explain.coordinate().tables().stream().map(TableConfig.Sharded::name).toList())
                    + " from " + String.join(" ", explain.shards()) + " (" + explain.why() + ") running " + explain.statement();
            case Command.CopyIntoShards copy -> "copy into " + copy.table().name() + " key " + copy.table().key()
                    + " columns " + copy.copy().columns() + " format " + copy.copy().options().format();
            case Command.CopyIntoReference copy -> "copy into every shard of " + copy.table().name()
                    + " columns " + copy.copy().columns() + " format " + copy.copy().options().format();
            case Command.Coordinate coordinate -> "coordinate on " + coordinate.coordinatorShard() + " pulling "
                    + String.join(" ", coordinate.tables().stream().map(TableConfig.Sharded::name).toList());
            case Command.DeclareCursor declare -> "declare " + declare.cursor() + (declare.withHold() ? " with hold" : "")
                    + " where its query would " + describe(declare.query());
            case Command.OnCursor on -> (on.closes() ? "close " : "on cursor ") + (on.cursor() == null ? "ALL" : on.cursor());
            case Command.InsertSelect insert -> "insert into " + insert.table().name() + " " + insert.columns() + " the rows of "
                    + insert.select() + " read " + read(insert.read());
            case Command.WriteByKeys keys -> "write " + keys.before() + keys.column() + " = ANY(...)" + keys.after()
                    + " with the values of " + keys.select() + " read " + read(keys.read());
            case Command.JoinedWrite joined -> (joined.delete() ? "delete from " : "update ") + joined.target() + " as "
                    + joined.reference() + (joined.delete() ? "" : " setting " + joined.setColumns()) + " computed by "
                    + joined.compute().sql() + parameters(joined.compute().parameters()) + " returning [" + joined.returning().sql()
                    + parameters(joined.returning().parameters()) + "] names " + joined.returningNames()
                    + " after the " + describe(joined.read());
            case Command.LearnColumns learn -> "learn the columns of " + learn.table().name();
            case Command.Refused refused -> "refused " + refused.sqlState() + " " + refused.reason();
        };
    }

    private static String read(Command.Read read) {
        return switch (read) {
            case Command.Run run -> "from " + route(run.route());
            case Command.Coordinate coordinate -> "by the " + describe(coordinate);
        };
    }

    private static String parameters(int[] parameters) {
        return parameters.length == 0 ? "" : " with the client's " + java.util.Arrays.toString(parameters);
    }

    private static String route(Route route) {
        return String.join(" ", route.shards()) + " " + route.answer().name().toLowerCase(Locale.ROOT) + " "
                + route.kind().name().toLowerCase(Locale.ROOT) + " (" + route.why() + ")";
    }
}
