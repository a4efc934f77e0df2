package dev.pgsteer.router;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.KeyPlacer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shop every routing table is written against. The key placer is a stand-in that puts integer
 * key k on shard k mod 3 and a list-sharded key on its listed shard, so that the expected shards
 * can be read off the SQL; PostgreSQL's real hash is tested on its own ({@code PgHashTest}).
 *
 * <pre>
 *   orders, order_items   sharded by customer_id (hash)
 *   customers             sharded by id (hash)
 *   regions               sharded by region (list: eu → s0, us → s1, apac → s2)
 *   currencies            reference table (a copy on every shard)
 *   settings, ...         unsharded (the default shard s0)
 * </pre>
 */
final class RoutingFixture {
    static final DatabaseConfig SHOP = shop();

    static final KeyPlacer PLACER = (table, value) -> {
        String text = value.isBinary() ? new String(value.binary(), StandardCharsets.UTF_8) : value.text();
        if (table.function() instanceof ShardFunction.ListOf list) {
            String shard = list.shardOfValue().get(text);
            if (shard == null) {
                throw new RoutingException("22023", "no shard of table " + table.name() + " holds " + text);
            }
            return SHOP.shards().indexOf(shard);
        }
        return (int) Math.floorMod(Long.parseLong(text.trim()), 3L);
    };

    private RoutingFixture() {
    }

    private static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), null));
        tables.put("order_items", new TableConfig.Sharded("order_items", "customer_id", new ShardFunction.Hash(), null));
        tables.put("customers", new TableConfig.Sharded("customers", "id", new ShardFunction.Hash(), null));
        tables.put("regions", new TableConfig.Sharded("regions", "region",
                new ShardFunction.ListOf(Map.of("eu", "s0", "us", "s1", "apac", "s2")), null));
        tables.put("currencies", new TableConfig.Reference("currencies"));
        return new DatabaseConfig("shop", List.of("s0", "s1", "s2"), "s0", tables, null, PoolConfig.defaults());
    }

    static ShardRouter router() {
        return new ShardRouter(SHOP, PLACER, 100);
    }

    /** The route of {@code sql} with these Bind values ($1 is the first), as a session would resolve it. */
    static Route route(ShardRouter router, String sql, String... bind) throws RoutingException {
        LexedStatement statement = SqlLexer.statement(sql);
        return router.resolve(router.analysis(statement), statement, n -> KeySource.text(bind[n - 1]), Set.of());
    }

    static String shards(Route route) {
        return String.join(" ", route.shards());
    }

    /**
     * The whole answer of a routing table's row. {@code merge}: {@code -} when the shards' rows are
     * passed on as they come (or there is one shard), {@code merged} when a {@code SelectMerge} says
     * how to merge them.
     */
    static void assertRoute(Route route, String shards, Answer answer, StatementKind kind, String merge, String why) {
        assertAll(
                () -> assertEquals(shards, shards(route), "shards"),
                () -> assertEquals(answer, route.answer(), "answer"),
                () -> assertEquals(kind, route.kind(), "kind"),
                () -> assertEquals(merge, route.merge() == null ? "-" : "merged", "merge"),
                () -> assertEquals(why, route.why(), "why"));
    }
}
