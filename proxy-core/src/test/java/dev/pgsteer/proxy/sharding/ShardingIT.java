package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A logical database over three real PostgreSQL shards, driven through pgsteer with pgjdbc. */
class ShardingIT {
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint, customer_id bigint NOT NULL, status text, total numeric, PRIMARY KEY (customer_id, id))");
            s.execute("CREATE TABLE items (order_id bigint, customer_id bigint, sku text)");
            s.execute("CREATE TABLE regions (region text PRIMARY KEY, name text)");
            s.execute("CREATE TABLE events (day date, what text)");
            s.execute("CREATE TABLE currencies (code text PRIMARY KEY, rate numeric)");
            s.execute("CREATE TABLE settings (k text PRIMARY KEY, v text)");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void empty() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM orders");
            s.execute("DELETE FROM items");
            s.execute("DELETE FROM currencies");
        }
    }

    static int shardOf(long customerId) {
        return PgHash.remainder(KeyValue.ofText(KeyType.INTEGER, Long.toString(customerId)), 3);
    }

    static List<Long> customersOnShard(int shard) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection c = cluster.shard(shard); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT customer_id FROM orders ORDER BY customer_id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    @Test
    void ddlOnShardedTablesReachesEveryShardAndUnshardedTablesOnlyTheDefault() throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename IN ('orders', 'settings')")) {
                rs.next();
                assertEquals(i == 0 ? 2 : 1, rs.getInt(1), "tables on shard s" + i);
            }
        }
    }

    @Test
    void rowsLandWherePostgresqlsHashPartitioningPutsThem() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            StringBuilder values = new StringBuilder();
            for (int id = 1; id <= 60; id++) {
                values.append(id > 1 ? ", " : "").append("(").append(id).append(", ").append(id * 7).append(", 'new', 10)");
            }
            assertEquals(60, s.executeUpdate("INSERT INTO orders (id, customer_id, status, total) VALUES " + values));
        }
        int total = 0;
        for (int shard = 0; shard < 3; shard++) {
            List<Long> here = customersOnShard(shard);
            total += here.size();
            for (long customer : here) {
                assertEquals(shard, shardOf(customer), "customer " + customer + " on shard s" + shard);
            }
            assertTrue(!here.isEmpty(), "every shard got some of 60 customers");
        }
        assertEquals(60, total);
    }

    @Test
    void aPointReadGoesToItsShardAndAReadWithoutKeyCombinesAllShards() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO orders (id, customer_id, status) VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd')");
            try (ResultSet rs = s.executeQuery("SELECT status FROM orders WHERE customer_id = 3")) {
                assertTrue(rs.next());
                assertEquals("c", rs.getString(1));
                assertTrue(!rs.next());
            }
            TreeSet<String> all = new TreeSet<>();
            try (ResultSet rs = s.executeQuery("SELECT status FROM orders")) {
                while (rs.next()) {
                    all.add(rs.getString(1));
                }
            }
            assertEquals(new TreeSet<>(List.of("a", "b", "c", "d")), all);
            assertEquals(4, s.executeUpdate("UPDATE orders SET status = 'paid'"));
            assertEquals(2, s.executeUpdate("DELETE FROM orders WHERE customer_id IN (1, 2)"));
        }
    }

    @Test
    void parametersOfTheExtendedProtocolRouteToo() throws SQLException {
        try (Connection c = cluster.connect()) {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO orders (id, customer_id, status) VALUES (?, ?, ?)")) {
                for (int i = 1; i <= 20; i++) {
                    insert.setLong(1, i);
                    insert.setLong(2, 1000 + i);
                    insert.setString(3, "s" + i);
                    assertEquals(1, insert.executeUpdate());
                }
            }
            try (PreparedStatement select = c.prepareStatement("SELECT status FROM orders WHERE customer_id = ?")) {
                for (int i = 1; i <= 20; i++) {
                    select.setLong(1, 1000 + i);
                    try (ResultSet rs = select.executeQuery()) {
                        assertTrue(rs.next(), "customer " + (1000 + i));
                        assertEquals("s" + i, rs.getString(1));
                    }
                }
            }
        }
        int total = 0;
        for (int shard = 0; shard < 3; shard++) {
            for (long customer : customersOnShard(shard)) {
                assertEquals(shard, shardOf(customer));
                total++;
            }
        }
        assertEquals(20, total);
    }

    @Test
    void aBatchAcrossShardsCommitsAsOne() throws SQLException {
        try (Connection c = cluster.connect();
             PreparedStatement insert = c.prepareStatement("INSERT INTO orders (id, customer_id) VALUES (?, ?)")) {
            for (int i = 1; i <= 30; i++) {
                insert.setLong(1, i);
                insert.setLong(2, i);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        assertEquals(30, customersOnShard(0).size() + customersOnShard(1).size() + customersOnShard(2).size());
        assertNoPreparedTransactionsLeft();
    }

    @Test
    void aRewrittenBatchIsSplitWithItsParametersPerShard() throws SQLException {
        Properties props = new Properties();
        props.setProperty("reWriteBatchedInserts", "true");
        try (Connection c = cluster.connect(props);
             PreparedStatement insert = c.prepareStatement("INSERT INTO orders (id, customer_id, status) VALUES (?, ?, ?)")) {
            for (int i = 1; i <= 50; i++) {
                insert.setLong(1, i);
                insert.setLong(2, 500 + i);
                insert.setString(3, "batch " + i);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        int total = 0;
        for (int shard = 0; shard < 3; shard++) {
            for (long customer : customersOnShard(shard)) {
                assertEquals(shard, shardOf(customer), "customer " + customer);
                total++;
            }
        }
        assertEquals(50, total);
        try (Connection c = cluster.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status FROM orders WHERE customer_id = 537")) {
            assertTrue(rs.next());
            assertEquals("batch 37", rs.getString(1));
        }
        assertNoPreparedTransactionsLeft();
    }

    @Test
    void aTransactionOverSeveralShardsCommitsWithTwoPhaseCommitOrRollsBackEverywhere() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (1, 1)");
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (2, 2)");
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (3, 3)");
            c.rollback();
            try (ResultSet rs = s.executeQuery("SELECT id FROM orders")) {
                assertTrue(!rs.next(), "rolled back everywhere");
            }
            c.commit();
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (1, 1)");
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (2, 2)");
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (3, 3)");
            c.commit();
        }
        assertEquals(3, customersOnShard(0).size() + customersOnShard(1).size() + customersOnShard(2).size());
        assertNoPreparedTransactionsLeft();
    }

    @Test
    void anErrorInATransactionFailsItUntilRollbackAndTheSessionGoesOn() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (1, 1)");
            SQLException duplicate = assertThrows(SQLException.class,
                    () -> s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (1, 1)"));
            assertEquals("23505", duplicate.getSQLState());
            SQLException aborted = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertEquals("25P02", aborted.getSQLState());
            c.rollback();
            c.setAutoCommit(true);
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE customer_id = 1")) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
        }
    }

    @Test
    void referenceTablesAreWrittenEverywhereAndReadFromOne() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            assertEquals(2, s.executeUpdate("INSERT INTO currencies (code, rate) VALUES ('EUR', 1), ('USD', 1.1)"));
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM currencies")) {
                rs.next();
                assertEquals(2, rs.getInt(1));
            }
            s.executeUpdate("INSERT INTO orders (id, customer_id, status) VALUES (1, 5, 'EUR')");
            try (ResultSet rs = s.executeQuery(
                    "SELECT c.rate FROM orders o JOIN currencies c ON c.code = o.status WHERE o.customer_id = 5")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }
        }
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM currencies")) {
                rs.next();
                assertEquals(2, rs.getInt(1), "currencies on shard s" + i);
            }
        }
    }

    @Test
    void listAndRangeShardingPlaceRowsAndRefuseValuesNoShardHolds() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO regions (region, name) VALUES ('us', 'Americas')");
            s.executeUpdate("INSERT INTO events (day, what) VALUES ('2024-06-01', 'old'), ('2025-06-01', 'mid'), ('2026-06-01', 'new')");
            SQLException mars = assertThrows(SQLException.class,
                    () -> s.executeUpdate("INSERT INTO regions (region, name) VALUES ('mars', 'Red')"));
            assertEquals("23514", mars.getSQLState());
            assertTrue(mars.getMessage().contains("regions"), mars.getMessage());
        }
        try (Connection c = cluster.shard(1); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT name FROM regions), (SELECT what FROM events)")) {
            rs.next();
            assertEquals("Americas", rs.getString(1));
            assertEquals("mid", rs.getString(2));
        }
    }

    @Test
    void whatCannotBePlacedIsRefusedWithAClearErrorAndTheSessionGoesOn() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            SQLException moveKey = assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE orders SET customer_id = 2 WHERE customer_id = 1"));
            assertEquals("0A000", moveKey.getSQLState());
            SQLException noKey = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO orders (id) VALUES (1)"));
            assertEquals("42P10", noKey.getSQLState());
            try (ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
                rs.next();
                assertEquals(42, rs.getInt(1));
            }
        }
    }

    @Test
    void explainRouteTellsWhereAStatementWouldRun() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 7")) {
            assertTrue(rs.next());
            assertEquals("s" + shardOf(7), rs.getString("shards"));
            assertTrue(rs.getString("reason").contains("orders"), rs.getString("reason"));
        }
    }

    @Test
    void catalogQueriesOfDriversWork() throws SQLException {
        try (Connection c = cluster.connect(); ResultSet rs = c.getMetaData().getTables(null, "public", "orders", null)) {
            assertTrue(rs.next());
        }
    }

    @Test
    void sessionSettingsFollowTheSessionToEveryShard() throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", "shop-app");
        try (Connection c = cluster.connect(props); Statement s = c.createStatement()) {
            s.execute("SET application_name = 'renamed'");
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (1, 1), (2, 2), (3, 3)");
            try (ResultSet rs = s.executeQuery("SELECT current_setting('application_name') FROM orders WHERE customer_id = 2")) {
                rs.next();
                assertEquals("renamed", rs.getString(1));
            }
        }
    }

    @Test
    void copyIntoAShardedTableSplitsTheRowsByKey() throws Exception {
        StringBuilder csv = new StringBuilder("id,customer_id,status\n");
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 300; i++) {
            csv.append(i).append(',').append(i * 13).append(",\"csv, row ").append(i).append("\"\n");
            text.append(1000 + i).append('\t').append(i * 17).append("\ttext\\trow\t\\N\n");
        }
        try (Connection c = cluster.connect()) {
            var copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            assertEquals(300, copy.copyIn("COPY orders (id, customer_id, status) FROM STDIN WITH (FORMAT csv, HEADER true)",
                    new java.io.StringReader(csv.toString())));
            assertEquals(300, copy.copyIn("COPY orders FROM STDIN", new java.io.StringReader(text.toString())));
            java.io.StringWriter out = new java.io.StringWriter();
            assertEquals(600, copy.copyOut("COPY orders TO STDOUT", out));
            assertEquals(600, out.toString().lines().count());
        }
        int total = 0;
        for (int shard = 0; shard < 3; shard++) {
            for (long customer : customersOnShard(shard)) {
                assertEquals(shard, shardOf(customer), "customer " + customer);
                total++;
            }
        }
        assertEquals(600, total);
        assertNoPreparedTransactionsLeft();
    }

    @Test
    void aCopiedRowThatNoShardHoldsStopsTheCopyEverywhere() throws Exception {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM regions");
            var copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            SQLException mars = assertThrows(SQLException.class, () -> copy.copyIn("COPY regions (region, name) FROM STDIN",
                    new java.io.StringReader("eu\tEurope\nmars\tRed\nus\tAmericas\n")));
            assertEquals("23514", mars.getSQLState(), mars.getMessage());
            try (ResultSet rs = s.executeQuery("SELECT region FROM regions")) {
                assertTrue(!rs.next(), "nothing of the failed COPY stays");
            }
        }
        assertNoPreparedTransactionsLeft();
    }

    @Test
    void aTableCreatedThroughPgsteerHashesItsKeysByTheColumnsType() throws SQLException {
        List<java.util.UUID> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ids.add(java.util.UUID.nameUUIDFromBytes(("device " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE devices (id uuid PRIMARY KEY, name text)");
            StringBuilder values = new StringBuilder();
            for (java.util.UUID id : ids) {
                values.append(values.isEmpty() ? "" : ", ").append("('").append(id).append("', 'd')");
            }
            assertEquals(60, s.executeUpdate("INSERT INTO devices (id, name) VALUES " + values));
        }
        int total = 0;
        for (int shard = 0; shard < 3; shard++) {
            try (Connection c = cluster.shard(shard); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id FROM devices")) {
                while (rs.next()) {
                    KeyValue id = KeyValue.ofText(KeyType.UUID, rs.getString(1));
                    assertEquals(shard, PgHash.remainder(id, 3), "uuid " + rs.getString(1) + " on shard s" + shard);
                    total++;
                }
            }
        }
        assertEquals(60, total);
    }

    @Test
    void unreportedSettingsFollowEachSessionToEveryShardWithoutPinningIt() throws SQLException {
        // Six sessions over pools of four: were a SET to pin, the fifth would wait for a connection in vain.
        List<Connection> sessions = new java.util.ArrayList<>();
        try {
            for (int i = 1; i <= 6; i++) {
                Connection c = cluster.connect();
                sessions.add(c);
                try (Statement s = c.createStatement()) {
                    s.execute("SET statement_timeout = '" + i + "min'");
                    s.execute("SET app.who = 'session-" + i + "'");
                }
            }
            try (Statement s = sessions.getFirst().createStatement()) {
                s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6)");
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 1; i <= 6; i++) {
                    try (Statement s = sessions.get(i - 1).createStatement(); ResultSet rs = s.executeQuery(
                            "SELECT DISTINCT current_setting('statement_timeout') || ' ' || current_setting('app.who') FROM orders")) {
                        assertTrue(rs.next());
                        assertEquals(i + "min session-" + i, rs.getString(1), "every shard's answer carries the session's own settings");
                        assertFalse(rs.next(), "every shard agrees");
                    }
                }
            }
            try (Statement s = sessions.get(2).createStatement()) {
                s.execute("RESET statement_timeout");
                try (ResultSet rs = s.executeQuery("SELECT DISTINCT current_setting('statement_timeout') FROM orders")) {
                    rs.next();
                    assertEquals("0", rs.getString(1));
                    assertFalse(rs.next());
                }
            }
        } finally {
            for (Connection c : sessions) {
                c.close();
            }
        }
    }

    @Test
    void aSessionsSettingReachesTheConnectionsThatJoinItsTransactions() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = '5min'");
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO orders (id, customer_id) VALUES (1, 1), (2, 2), (3, 3)");
            c.rollback();
            try (ResultSet rs = s.executeQuery("SELECT count(*), current_setting('statement_timeout') FROM orders")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "rolled back on every shard");
                assertEquals("5min", rs.getString(2));
            }
            c.commit();
        }
    }

    @Test
    void aPreparedStatementThatFailedOnceIsPreparedAgainOnItsNextUse() throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "-1");
        try (Connection c = cluster.connect(props); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS later");
            try (PreparedStatement select = c.prepareStatement("SELECT v FROM later WHERE id = ?")) {
                select.setInt(1, 1);
                SQLException missing = assertThrows(SQLException.class, select::executeQuery);
                assertEquals("42P01", missing.getSQLState());
                s.execute("CREATE TABLE later (id int, v text)");
                s.execute("INSERT INTO later VALUES (1, 'there now')");
                for (int i = 0; i < 3; i++) {
                    try (ResultSet rs = select.executeQuery()) {
                        assertTrue(rs.next());
                        assertEquals("there now", rs.getString(1));
                    }
                }
            }
            s.execute("DROP TABLE later");
        }
    }

    static void assertNoPreparedTransactionsLeft() throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_prepared_xacts")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "prepared transactions left on shard s" + i);
            }
        }
    }
}
