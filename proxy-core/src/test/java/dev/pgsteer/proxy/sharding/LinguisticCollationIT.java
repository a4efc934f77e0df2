package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Three shards whose database is created with ICU collation 'en' (as most databases have a
 * linguistic collation: ICU, or libc en_US.UTF-8), where 'a' < 'A' < 'b' < 'B' and byte order says
 * 'A' < 'B' < 'a' < 'b'. Every SELECT on several shards answers as one PostgreSQL with the same
 * collation holding all rows ({@code orders_all} on s0): what orders text in the linguistic
 * collation is sorted by PostgreSQL (the coordinator step), what orders numbers or text in "C" is
 * still merged in the proxy (its EXPLAIN ROUTE says "rows merged"). An enum, which the merge cannot
 * order at all (it was refused: "cannot merge ORDER BY a column of type oid N"), is ordered there too.
 */
class LinguisticCollationIT {
    static final String ICU_EN = "LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C' TEMPLATE template0";
    static final String[] MOODS = {null, "happy", "sad", "ok"};
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start(ICU_EN);
        String[] names = {"a", "B", "b", "A", "é", "E", "e", "z", "Z", "ä", null, "Ab", "aB", "b"};
        StringBuilder rows = new StringBuilder();
        for (int id = 1; id <= 42; id++) {
            String name = names[id % names.length];
            String literal = name == null ? "NULL" : "'" + name + "'";
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 11 + 1).append(", ")
                    .append(literal).append(", ").append(literal).append(", ").append(id % 5).append(", ")
                    .append(id % 4 == 0 ? "NULL" : "'" + MOODS[id % 4] + "'").append(")");
        }
        String columns = "id bigint, customer_id bigint NOT NULL, name text, code text COLLATE \"C\", qty int, mood mood,"
                + " PRIMARY KEY (customer_id, id)";
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            // An enum sorts by its declaration order ('sad' < 'ok' < 'happy'), which the merge does not know.
            s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
            s.execute("CREATE TABLE orders (" + columns + ")");
            s.execute("INSERT INTO orders (id, customer_id, name, code, qty, mood) VALUES " + rows);
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (" + columns + ")");
            s.execute("INSERT INTO orders_all (id, customer_id, name, code, qty, mood) VALUES " + rows);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static Properties simple() {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return props;
    }

    static List<String> answer(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    /** Whether pgsteer merges the statement's rows itself (else the coordinator step answers it). */
    static boolean merged(Connection c, String query) {
        List<String> explained = new ArrayList<>();
        try {
            explained = answer(c, "EXPLAIN ROUTE " + query);
        } catch (SQLException e) {
            // A statement pgsteer does not merge has no route of its own to explain (or an error says so).
        }
        return String.join("\n", explained).contains("rows merged");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            coordinator | SELECT id, name FROM {t} ORDER BY name, id
            coordinator | SELECT name FROM {t} ORDER BY name DESC NULLS LAST, id LIMIT 5
            coordinator | SELECT name, count(*) FROM {t} GROUP BY name ORDER BY name NULLS FIRST
            coordinator | SELECT DISTINCT name FROM {t} ORDER BY name
            coordinator | SELECT min(name), max(name), count(*) FROM {t}
            coordinator | SELECT customer_id, min(name), max(name) FROM {t} GROUP BY customer_id ORDER BY customer_id
            coordinator | SELECT id, name FROM {t} ORDER BY lower(name), id
            coordinator | SELECT id, code FROM {t} ORDER BY code COLLATE "en-x-icu", id
            coordinator | SELECT id, name AS n FROM {t} ORDER BY n DESC, id
            coordinator | SELECT id, mood FROM {t} ORDER BY mood, id
            coordinator | SELECT min(mood), max(mood) FROM {t}
            proxy       | SELECT id, name FROM {t} ORDER BY qty, id
            proxy       | SELECT id, name FROM {t} ORDER BY qty DESC, id LIMIT 7
            proxy       | SELECT id, code FROM {t} ORDER BY code, id
            proxy       | SELECT min(code), max(code), min(id), sum(qty) FROM {t}
            proxy       | SELECT id, name FROM {t} ORDER BY name COLLATE "C", id
            proxy       | SELECT qty, count(*) FROM {t} GROUP BY qty ORDER BY qty
            """)
    void answersEqualOnePostgresWithTheSameCollation(String where, String query) throws SQLException {
        try (Connection c = cluster.connect(simple()); Connection direct = cluster.shard(0)) {
            assertEquals(answer(direct, query.replace("{t}", "orders_all")), answer(c, query.replace("{t}", "orders")), query);
            assertEquals(where.equals("proxy"), merged(c, query.replace("{t}", "orders")), "merged in the proxy: " + query);
        }
    }
}
