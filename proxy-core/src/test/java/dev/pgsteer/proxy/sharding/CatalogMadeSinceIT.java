package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What is made on the shards directly, not through pgsteer, after pgsteer read their catalog: an
 * aggregate, a function, an ICU collation, a column of orders in it, and a whole sharded table
 * (items) with a column in it. pgsteer does not know these names, so it never merges a statement
 * over several shards that uses them as if they were a scalar function or a byte-order collation:
 * the coordinator step answers (before, {@code my_sum} gave one row per shard and the ICU columns
 * came in byte order), and pgsteer reads the catalog again: then the function and the table's
 * other columns are merged, the aggregate and the ICU columns still coordinated. What the catalog
 * had is merged in the proxy throughout. Every answer equals one PostgreSQL holding all rows
 * ({@code orders_all}, {@code items_all} on s0), on a C.UTF-8 database.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogMadeSinceIT {
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        String[] names = {"a", "B", "b", "A", "é", "E", "z", "Z"};
        StringBuilder rows = new StringBuilder();
        for (int id = 1; id <= 32; id++) {
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 7 + 1).append(", ")
                    .append(id % 6).append(", '").append(names[id % names.length]).append("')");
        }
        String columns = "id bigint, customer_id bigint NOT NULL, qty int, name text";
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (" + columns + ", PRIMARY KEY (customer_id, id))");
            s.execute("INSERT INTO orders (id, customer_id, qty, name) VALUES " + rows);
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (" + columns + ")");
            s.execute("INSERT INTO orders_all (id, customer_id, qty, name) VALUES " + rows);
        }
        // Now, behind pgsteer's back, on every shard: what its catalog did not have.
        for (int shard = 0; shard < 3; shard++) {
            try (Connection c = cluster.shard(shard); Statement s = c.createStatement()) {
                s.execute("CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int, initcond = '0')");
                s.execute("CREATE FUNCTION made_double(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2'");
                s.execute("CREATE COLLATION made_since (provider = icu, locale = 'en')");
                s.execute("ALTER TABLE orders ADD COLUMN label text COLLATE made_since");
                s.execute("UPDATE orders SET label = name");
                s.execute("CREATE TABLE items (id bigint, customer_id bigint NOT NULL, name text COLLATE made_since)");
                // The rows of items on s1 and s2 only (any shard will do for reads over every shard).
                if (shard > 0) {
                    s.execute("INSERT INTO items SELECT id, customer_id, name FROM (VALUES " + rows
                            + ") v (id, customer_id, qty, name) WHERE id % 2 = " + (shard - 1));
                }
                if (shard == 0) {
                    s.execute("ALTER TABLE orders_all ADD COLUMN label text COLLATE made_since");
                    s.execute("UPDATE orders_all SET label = name");
                    s.execute("CREATE TABLE items_all (id bigint, customer_id bigint NOT NULL, name text COLLATE made_since)");
                    s.execute("INSERT INTO items_all SELECT id, customer_id, name FROM (VALUES " + rows
                            + ") v (id, customer_id, qty, name)");
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @Order(1)
    @CsvSource(delimiter = '|', textBlock = """
            coordinator | SELECT my_sum(qty) FROM {orders}
            coordinator | SELECT customer_id, my_sum(qty) FROM {orders} GROUP BY customer_id ORDER BY customer_id
            either      | SELECT made_double(qty) AS d, id FROM {orders} ORDER BY id
            coordinator | SELECT id, label FROM {orders} ORDER BY label, id
            coordinator | SELECT min(label), max(label) FROM {orders}
            coordinator | SELECT id, name FROM {items} ORDER BY name, id
            coordinator | SELECT max(name) FROM {items}
            either      | SELECT id FROM {items} ORDER BY id
            proxy       | SELECT id, name FROM {orders} ORDER BY name, id
            proxy       | SELECT count(*), sum(qty), min(name) FROM {orders}
            proxy       | SELECT lower(name) AS l, id FROM {orders} ORDER BY id
            """)
    void whatTheCatalogDidNotHaveIsLeftToPostgres(String where, String query) throws SQLException {
        assertAnswered(where, query);
    }

    /**
     * A name the catalog did not have makes pgsteer read it again (off the event loops, at most every
     * ten seconds): without any DDL through pgsteer, the function made since and the table made since
     * are merged soon; the aggregate and the ICU columns stay with the coordinator.
     */
    @Test
    @Order(2)
    void aNameTheCatalogDidNotHaveMakesPgsteerReadItAgain() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (Connection c = cluster.connect(LinguisticCollationIT.simple())) {
            while (!(LinguisticCollationIT.merged(c, "SELECT made_double(qty) AS d, id FROM orders ORDER BY id")
                    && LinguisticCollationIT.merged(c, "SELECT id FROM items ORDER BY id"))) {
                if (System.nanoTime() > until) {
                    throw new AssertionError("the catalog was not read again");
                }
                LinguisticCollationIT.answer(c, "SELECT made_double(qty) AS d, id FROM orders ORDER BY id");
                Thread.sleep(200);
            }
        }
        assertAnswered("proxy", "SELECT made_double(qty) AS d, id FROM {orders} ORDER BY id");
        assertAnswered("proxy", "SELECT id FROM {items} ORDER BY id");
        assertAnswered("coordinator", "SELECT my_sum(qty) FROM {orders}");
        assertAnswered("coordinator", "SELECT id, label FROM {orders} ORDER BY label, id");
        assertAnswered("coordinator", "SELECT id, name FROM {items} ORDER BY name, id");
    }

    /** DDL through pgsteer reads the catalog again too: the function is known (merged), the aggregate and the collation too (not merged). */
    @Test
    @Order(3)
    void ddlThroughPgsteerMakesThemKnown() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (id bigint)");
        }
        assertAnswered("proxy", "SELECT made_double(qty) AS d, id FROM {orders} ORDER BY id");
        assertAnswered("coordinator", "SELECT my_sum(qty) FROM {orders}");
        assertAnswered("coordinator", "SELECT id, label FROM {orders} ORDER BY label, id");
        assertAnswered("coordinator", "SELECT id, name FROM {items} ORDER BY name, id");
        assertAnswered("proxy", "SELECT id FROM {items} ORDER BY id");
    }

    private static void assertAnswered(String where, String query) throws SQLException {
        String sharded = query.replace("{orders}", "orders").replace("{items}", "items");
        String all = query.replace("{orders}", "orders_all").replace("{items}", "items_all");
        try (Connection c = cluster.connect(LinguisticCollationIT.simple()); Connection direct = cluster.shard(0)) {
            assertEquals(LinguisticCollationIT.answer(direct, all), LinguisticCollationIT.answer(c, sharded), query);
            if (!where.equals("either")) {
                assertEquals(where.equals("proxy"), LinguisticCollationIT.merged(c, sharded), "merged in the proxy: " + sharded);
            }
        }
    }
}
