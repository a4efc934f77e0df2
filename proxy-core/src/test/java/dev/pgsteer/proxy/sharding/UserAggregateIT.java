package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Aggregates the database has besides pg_catalog's, made by {@code CREATE AGGREGATE} through pgsteer
 * after it started: pgsteer learns them from the default shard's catalog after that DDL, so a
 * SELECT over three shards that calls one is answered by the coordinator step (PostgreSQL computes
 * it), never concatenated (one row per shard: what pgsteer answered before). Every answer equals one
 * PostgreSQL holding all rows ({@code orders_all} on s0, which has the aggregates too: DDL goes to
 * every shard); a function of another name is still relayed and concatenated, and the five
 * aggregates pgsteer merges are still merged. A name that is both an aggregate and an ordinary
 * function (both_ways) is coordinated whichever overload the call means: pgsteer cannot tell. A
 * pgsteer started afterwards reads them at start.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserAggregateIT {
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        StringBuilder rows = new StringBuilder();
        for (int id = 1; id <= 40; id++) {
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 7 + 1).append(", ")
                    .append(id % 5 == 0 ? "NULL" : String.valueOf(id % 6)).append(")");
        }
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint, customer_id bigint NOT NULL, qty int, PRIMARY KEY (customer_id, id))");
            s.execute("INSERT INTO orders (id, customer_id, qty) VALUES " + rows);
            // Before the aggregate exists the call fails on the shards; the plan of that shape must not outlive the DDL.
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT my_sum(qty) FROM orders"));
            s.execute("CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int, initcond = '0')");
            s.execute("CREATE SCHEMA stats");
            s.execute("CREATE AGGREGATE stats.my_max(int) (sfunc = int4larger, stype = int)");
            // One name, two overloads: an ordinary function of two arguments, an aggregate of one.
            s.execute("CREATE FUNCTION both_ways(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2'");
            s.execute("CREATE AGGREGATE both_ways(int) (sfunc = int4pl, stype = int, initcond = '100')");
            s.execute("CREATE FUNCTION my_double(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2'");
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (id bigint, customer_id bigint NOT NULL, qty int, PRIMARY KEY (customer_id, id))");
            s.execute("INSERT INTO orders_all (id, customer_id, qty) VALUES " + rows);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static Properties mode(String protocol) {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", protocol);
        return props;
    }

    static List<String> answer(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    /** How pgsteer answers the statement over several shards, as EXPLAIN ROUTE's first line says. */
    static String route(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN ROUTE " + query)) {
            rs.next();
            return rs.getString("answer") + (rs.getString("reason").contains("rows merged") ? ", merged" : "");
        }
    }

    @Order(1)
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            coordinator      | SELECT my_sum(qty) FROM {t}
            coordinator      | SELECT customer_id, my_sum(qty) FROM {t} GROUP BY customer_id ORDER BY customer_id
            coordinator      | SELECT qty, my_sum(qty), count(*) FROM {t} GROUP BY qty ORDER BY qty NULLS FIRST
            coordinator      | SELECT my_sum(DISTINCT qty) FROM {t}
            coordinator      | SELECT my_sum(qty) FILTER (WHERE qty > 2), count(*) FROM {t}
            coordinator      | SELECT my_sum(qty) + 1 AS plus_one FROM {t} WHERE customer_id > 2
            coordinator      | SELECT id, my_sum(qty) OVER (PARTITION BY id % 2 ORDER BY id) FROM {t} ORDER BY id
            coordinator      | SELECT stats.my_max(qty) FROM {t}
            coordinator      | SELECT customer_id % 3 AS g, stats.my_max(qty) FROM {t} GROUP BY 1 ORDER BY 1
            coordinator      | SELECT both_ways(qty) FROM {t}
            coordinator      | SELECT pg_catalog.count(*) FROM {t}
            coordinator      | SELECT id FROM {t} WHERE qty = (SELECT stats.my_max(qty) FROM {t}) ORDER BY id
            coordinator      | SELECT id, both_ways(qty, 1) FROM {t} WHERE id < 9 ORDER BY id
            combine          | SELECT id, my_double(qty) FROM {t} WHERE id < 9
            combine, merged  | SELECT count(*), sum(qty), max(qty) FROM {t}
            """)
    void answersEqualOnePostgresHoldingAllRows(String where, String query) throws SQLException {
        for (String protocol : List.of("simple", "extended")) {
            try (Connection c = cluster.connect(mode(protocol)); Connection direct = cluster.shard(0)) {
                List<String> expected = answer(direct, query.replace("{t}", "orders_all"));
                List<String> got = answer(c, query.replace("{t}", "orders"));
                if (!query.contains("ORDER BY")) {
                    // Concatenated rows come in the shards' order.
                    expected = expected.stream().sorted().toList();
                    got = got.stream().sorted().toList();
                }
                assertEquals(expected, got, protocol + ": " + query);
                assertEquals(where, route(c, query.replace("{t}", "orders")), protocol + ": " + query);
            }
        }
    }

    @Order(2)
    @Test
    void onOneShardTheCallRunsThereAsBefore() throws SQLException {
        String query = "SELECT my_sum(qty), stats.my_max(qty) FROM {t} WHERE customer_id = 3";
        try (Connection c = cluster.connect(); Connection direct = cluster.shard(0)) {
            assertEquals(answer(direct, query.replace("{t}", "orders_all")), answer(c, query.replace("{t}", "orders")));
            assertEquals("one", route(c, query.replace("{t}", "orders")));
        }
    }

    @Order(3)
    @Test
    void aPgsteerStartedAfterwardsReadsTheAggregatesAtStart() throws Exception {
        cluster.proxy.close();
        cluster.startProxy();
        String query = "SELECT customer_id, my_sum(qty) FROM {t} GROUP BY customer_id ORDER BY customer_id";
        try (Connection c = cluster.connect(); Connection direct = cluster.shard(0)) {
            assertEquals(answer(direct, query.replace("{t}", "orders_all")), answer(c, query.replace("{t}", "orders")));
            assertEquals("coordinator", route(c, query.replace("{t}", "orders")));
        }
    }
}
