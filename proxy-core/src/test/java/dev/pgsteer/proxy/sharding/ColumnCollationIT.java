package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A database whose default collation sorts by bytes (the embedded shards' C.UTF-8), with one column
 * of its own linguistic collation ({@code COLLATE "en-x-icu"}): that column is ordered by PostgreSQL
 * (the coordinator step), the others are still merged in the proxy; answers equal one PostgreSQL
 * holding all rows ({@code orders_all} on s0).
 */
class ColumnCollationIT {
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        String[] names = {"a", "B", "b", "A", "é", "E", "z", "Z", null};
        StringBuilder rows = new StringBuilder();
        for (int id = 1; id <= 27; id++) {
            String name = names[id % names.length];
            String literal = name == null ? "NULL" : "'" + name + "'";
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 7 + 1).append(", ")
                    .append(literal).append(", ").append(literal).append(")");
        }
        String columns = "id bigint, customer_id bigint NOT NULL, name text COLLATE \"en-x-icu\", code text,"
                + " PRIMARY KEY (customer_id, id)";
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (" + columns + ")");
            s.execute("INSERT INTO orders (id, customer_id, name, code) VALUES " + rows);
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (" + columns + ")");
            s.execute("INSERT INTO orders_all (id, customer_id, name, code) VALUES " + rows);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            coordinator | SELECT id, name FROM {t} ORDER BY name, id
            coordinator | SELECT min(name), max(name) FROM {t}
            coordinator | SELECT id, code FROM {t} ORDER BY code COLLATE "en-x-icu", id
            proxy       | SELECT id, code FROM {t} ORDER BY code, id
            proxy       | SELECT min(code), max(code) FROM {t}
            proxy       | SELECT id, name FROM {t} ORDER BY name COLLATE "C", id
            """)
    void aColumnWithItsOwnCollationIsOrderedByPostgres(String where, String query) throws SQLException {
        try (Connection c = cluster.connect(LinguisticCollationIT.simple()); Connection direct = cluster.shard(0)) {
            assertEquals(LinguisticCollationIT.answer(direct, query.replace("{t}", "orders_all")),
                    LinguisticCollationIT.answer(c, query.replace("{t}", "orders")), query);
            assertEquals(where.equals("proxy"), LinguisticCollationIT.merged(c, query.replace("{t}", "orders")),
                    "merged in the proxy: " + query);
        }
    }
}
