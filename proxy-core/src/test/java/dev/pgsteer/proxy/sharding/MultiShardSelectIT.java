package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multi-shard SELECTs through pgsteer against the same SELECT on one plain PostgreSQL holding all
 * the rows ({@code orders_all}, made directly on shard s0): the answers must be equal, column types,
 * order and text included, in the simple protocol, the extended one, and the extended one with
 * binary results (pgjdbc's {@code prepareThreshold=-1}).
 */
class MultiShardSelectIT {
    static ShardedCluster cluster;

    static final String COLUMNS = "id bigint, customer_id bigint NOT NULL, status text, total numeric,"
            + " qty int, weight float8, day date, PRIMARY KEY (customer_id, id)";

    static final List<String> QUERIES = List.of(
            "SELECT id, total FROM {t} ORDER BY total DESC NULLS LAST, id",
            "SELECT id, status FROM {t} ORDER BY status NULLS FIRST, id DESC",
            "SELECT id, qty FROM {t} ORDER BY qty, id",
            "SELECT id, weight, day FROM {t} ORDER BY weight DESC, day, id",
            "SELECT id FROM {t} ORDER BY day, id LIMIT 7 OFFSET 3",
            "SELECT * FROM {t} ORDER BY id LIMIT 5",
            "SELECT id FROM {t} ORDER BY day, id LIMIT 7::integer OFFSET (3)",
            "SELECT id, total FROM {t} ORDER BY total NULLS FIRST, id LIMIT 2.5 OFFSET 4.5::int8",
            "SELECT id FROM {t} ORDER BY id LIMIT NULL::integer OFFSET 55::smallint",
            "SELECT id, total FROM {t} ORDER BY 2, 1 OFFSET 50",
            "SELECT count(*), sum(total), min(total), max(total), avg(total), avg(qty), avg(weight), sum(weight),"
                    + " sum(qty), min(day), max(status) FROM {t}",
            "SELECT count(*), avg(total), sum(qty) FROM {t} WHERE id < 0",
            "SELECT status, count(*), sum(qty), avg(total) FROM {t} GROUP BY status ORDER BY status NULLS FIRST",
            "SELECT status, count(*) FROM {t} GROUP BY status HAVING count(*) > 5 ORDER BY 2 DESC, 1",
            "SELECT status, avg(weight) FROM {t} GROUP BY status HAVING avg(total) >= 20 AND status <> 'lost' ORDER BY status",
            "SELECT DISTINCT status FROM {t} ORDER BY 1",
            "SELECT DISTINCT qty FROM {t} ORDER BY qty DESC LIMIT 4",
            "SELECT customer_id % 3 AS m, max(day), min(weight) FROM {t} GROUP BY customer_id % 3 ORDER BY m",
            "SELECT count(*) FROM {t} GROUP BY day ORDER BY day LIMIT 4",
            "SELECT qty, count(*) AS n FROM {t} GROUP BY qty ORDER BY n DESC, qty NULLS FIRST LIMIT 3 OFFSET 1",
            "SELECT qty, count(*) AS n FROM {t} GROUP BY qty ORDER BY n DESC, qty NULLS FIRST LIMIT (2)::bigint OFFSET 1::numeric",
            "SELECT status, sum(total) FROM {t} WHERE qty > 2 GROUP BY status ORDER BY sum(total) DESC, status");

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        StringBuilder rows = new StringBuilder();
        String[] statuses = {"new", "paid", "shipped", "lost", null};
        for (int id = 1; id <= 60; id++) {
            String status = statuses[id % 5];
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 23 + 1).append(", ")
                    .append(status == null ? "NULL" : "'" + status + "'").append(", ")
                    .append(id % 7 == 0 ? "NULL" : (id * 37 % 101) + "." + (id % 3 == 0 ? "5" : "25")).append(", ")
                    .append(id % 9 == 0 ? "NULL" : Integer.toString(id % 6)).append(", ")
                    .append(id % 4 * 0.25 + id % 5).append(", ")
                    .append("'").append(java.time.LocalDate.of(2025, 1, 1).plusDays(id % 17)).append("')");
        }
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (" + COLUMNS + ")");
            s.execute("INSERT INTO orders (id, customer_id, status, total, qty, weight, day) VALUES " + rows);
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (" + COLUMNS + ")");
            s.execute("INSERT INTO orders_all (id, customer_id, status, total, qty, weight, day) VALUES " + rows);
        }
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM orders")) {
                rs.next();
                assertTrue(rs.getInt(1) > 0, "every shard holds some rows");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static Properties mode(String mode) {
        Properties props = new Properties();
        switch (mode) {
            case "simple" -> props.setProperty("preferQueryMode", "simple");
            case "binary" -> props.setProperty("prepareThreshold", "-1");
            default -> {
            }
        }
        return props;
    }

    static List<String> rows(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> rows = new ArrayList<>();
        StringBuilder header = new StringBuilder();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            header.append(meta.getColumnName(i)).append(':').append(meta.getColumnTypeName(i)).append(' ');
        }
        rows.add(header.toString());
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                row.append(rs.getString(i)).append(" | ");
            }
            rows.add(row.toString());
        }
        return rows;
    }

    static List<String> expected(String query, Properties mode) throws SQLException {
        Properties props = new Properties();
        props.putAll(mode);
        try (Connection c = cluster.shards.get(0).direct()) {
            if (mode.containsKey("preferQueryMode")) {
                // Same protocol for the expectation, so driver conversions match.
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query.replace("{t}", "orders_all"))) {
                    return rows(rs);
                }
            }
            try (PreparedStatement s = c.prepareStatement(query.replace("{t}", "orders_all"))) {
                ((org.postgresql.PGStatement) s).setPrepareThreshold(mode.containsKey("prepareThreshold") ? -1 : 5);
                try (ResultSet rs = s.executeQuery()) {
                    return rows(rs);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"simple", "extended", "binary"})
    void mergedAnswersEqualOnePostgresHoldingAllRows(String modeName) throws SQLException {
        Properties mode = mode(modeName);
        try (Connection c = cluster.connect(mode)) {
            for (String query : QUERIES) {
                List<String> actual;
                if (modeName.equals("simple")) {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query.replace("{t}", "orders"))) {
                        actual = rows(rs);
                    }
                } else {
                    // Twice: the second run of a statement is a named, described one in pgjdbc.
                    actual = null;
                    for (int run = 0; run < 2; run++) {
                        try (PreparedStatement s = c.prepareStatement(query.replace("{t}", "orders"));
                             ResultSet rs = s.executeQuery()) {
                            actual = rows(rs);
                        }
                    }
                }
                assertEquals(expected(query, mode), actual, modeName + ": " + query);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"extended", "binary"})
    void limitAndOffsetMayBeParameters(String modeName) throws SQLException {
        String query = "SELECT id, total FROM {t} WHERE qty >= ? ORDER BY total NULLS FIRST, id LIMIT ? OFFSET ?";
        try (Connection c = cluster.connect(mode(modeName)); Connection direct = cluster.shard(0)) {
            for (int[] args : new int[][] {{1, 5, 2}, {0, 3, 0}, {2, 100, 10}, {1, 5, 2}, {3, 1, 1}, {0, 2, 40}}) {
                List<String> actual;
                List<String> expected;
                try (PreparedStatement s = c.prepareStatement(query.replace("{t}", "orders"))) {
                    s.setInt(1, args[0]);
                    s.setInt(2, args[1]);
                    s.setLong(3, args[2]);
                    try (ResultSet rs = s.executeQuery()) {
                        actual = rows(rs);
                    }
                }
                try (PreparedStatement s = direct.prepareStatement(query.replace("{t}", "orders_all"))) {
                    s.setInt(1, args[0]);
                    s.setInt(2, args[1]);
                    s.setLong(3, args[2]);
                    try (ResultSet rs = s.executeQuery()) {
                        expected = rows(rs);
                    }
                }
                assertEquals(expected, actual, java.util.Arrays.toString(args));
            }
        }
    }

    /**
     * psycopg 3 (and so SQLAlchemy) casts every parameter: {@code LIMIT $1::INTEGER}. NULL is no
     * limit (no offset), a negative one PostgreSQL's 2201W (2201X for OFFSET), as on one server.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"extended", "binary"})
    void limitAndOffsetMayBeCastParameters(String modeName) throws SQLException {
        String[] queries = {
                "SELECT id, total FROM {t} ORDER BY total NULLS FIRST, id LIMIT ?::integer OFFSET ?::INTEGER",
                "SELECT status, count(*) FROM {t} GROUP BY status ORDER BY 2 DESC, 1 LIMIT (?::int8) OFFSET ?::integer"};
        Integer[][] cases = {{5, 2}, {3, 0}, {null, 50}, {4, null}, {null, null}, {-1, 2}, {2, -1}, {-3, 5}, {1, 1}};
        try (Connection c = cluster.connect(mode(modeName)); Connection direct = cluster.shard(0)) {
            for (String query : queries) {
                for (Integer[] args : cases) {
                    String what = query + " with " + Arrays.toString(args);
                    assertEquals(answer(direct, query.replace("{t}", "orders_all"), args),
                            answer(c, query.replace("{t}", "orders"), args), what);
                }
            }
        }
    }

    /** The rows, or the error's SQLSTATE and message. */
    static List<String> answer(Connection c, String query, Integer[] args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(query)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i], Types.INTEGER);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rows(rs);
            } catch (SQLException e) {
                return List.of(e.getSQLState(), e.getMessage());
            }
        }
    }

    /**
     * What the proxy cannot merge, refused in the extended protocol before (pgjdbc's default), is
     * answered by the coordinator step as one PostgreSQL holding all rows answers it (rows compared in
     * any order: these statements have no ORDER BY); the session goes on.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "SELECT id, rank() OVER (ORDER BY total) FROM {t}",
            "SELECT count(DISTINCT status) FROM {t}",
            "SELECT * FROM {t} WHERE total > (SELECT avg(total) FROM {t})",
            "SELECT * FROM (SELECT status, count(*) FROM {t} GROUP BY status) s"})
    void whatCannotBeMergedIsAnsweredByTheCoordinatorStep(String query) throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement();
             Connection direct = cluster.shards.get(0).direct(); Statement d = direct.createStatement()) {
            List<String> expected;
            try (ResultSet rs = d.executeQuery(query.replace("{t}", "orders_all"))) {
                expected = rows(rs);
            }
            try (ResultSet rs = s.executeQuery(query.replace("{t}", "orders"))) {
                List<String> actual = rows(rs);
                assertEquals(expected.getFirst(), actual.getFirst(), "columns");
                assertEquals(expected.stream().skip(1).sorted().toList(), actual.stream().skip(1).sorted().toList(), query);
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
                rs.next();
                assertEquals(60, rs.getInt(1), "the session goes on");
            }
        }
    }
}
