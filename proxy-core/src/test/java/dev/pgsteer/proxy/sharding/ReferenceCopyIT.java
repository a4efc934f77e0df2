package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * COPY FROM STDIN into a reference table ({@code currencies}, a full copy on every one of three
 * shards) through pgsteer with pgjdbc's CopyManager: every row reaches every shard in one
 * transaction, or, when one shard refuses a row, no shard keeps any.
 */
class ReferenceCopyIT {
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE currencies (code text PRIMARY KEY, rate numeric, note text)");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void empty() throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement()) {
                s.execute("DELETE FROM currencies");
            }
        }
    }

    private static CopyManager copyApi(Connection c) throws SQLException {
        return c.unwrap(PGConnection.class).getCopyAPI();
    }

    private static ByteArrayInputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Each shard's rows of currencies, in order, as one text: equal on every shard when the table is a true copy. */
    private static String rowsOnShard(int shard) throws SQLException {
        try (Connection c = cluster.shard(shard); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) || ':' || coalesce(string_agg(code || '=' || rate || '/' || coalesce(note, 'NULL'), ',' ORDER BY code), '')"
                     + " FROM currencies")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long countOnShard(int shard) throws SQLException {
        try (Connection c = cluster.shard(shard); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM currencies")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void assertNoPreparedTransactionsLeft() throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_prepared_xacts")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "prepared transactions left on shard s" + i);
            }
        }
    }

    @Test
    void textCsvAndBinaryRowsLandOnEveryShardAndTheClientIsToldOneShardsCount() throws Exception {
        StringBuilder text = new StringBuilder();
        StringBuilder csv = new StringBuilder("code,rate,note\n");
        for (int i = 1; i <= 200; i++) {
            text.append("T").append(i).append('\t').append(i).append(".5\ttab\\there\n");
            csv.append("C").append(i).append(',').append(i).append(".25,\"comma, and \"\"quote\"\"\"\n");
        }
        text.append("TNULL\t0\t\\N\n");
        try (Connection c = cluster.connect()) {
            CopyManager copy = copyApi(c);
            assertEquals(201, copy.copyIn("COPY currencies FROM STDIN", bytes(text.toString())));
            assertEquals(200, copy.copyIn("COPY currencies (code, rate, note) FROM STDIN WITH (FORMAT csv, HEADER true)", bytes(csv.toString())));
            // Binary rows as PostgreSQL writes them: the text rows renamed, read from the reference table (one shard).
            ByteArrayOutputStream binary = new ByteArrayOutputStream();
            copy.copyOut("COPY (SELECT 'B' || code, rate * 2, note FROM currencies WHERE code LIKE 'T%') TO STDOUT WITH (FORMAT binary)", binary);
            assertEquals(201, copy.copyIn("COPY currencies FROM STDIN WITH (FORMAT binary)", new ByteArrayInputStream(binary.toByteArray())));
        }
        String first = rowsOnShard(0);
        assertEquals("602:", first.substring(0, 4), "every row on shard s0");
        for (int shard = 1; shard < 3; shard++) {
            assertEquals(first, rowsOnShard(shard), "shard s" + shard + " holds the same rows as s0");
        }
        assertNoPreparedTransactionsLeft();
    }

    @Test
    void aCopyInTheClientsTransactionIsUndoneWithItAndAnAbandonedOneLeavesNothing() throws Exception {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO currencies VALUES ('EUR', 1, NULL)");
            assertEquals(2, copyApi(c).copyIn("COPY currencies FROM STDIN", bytes("USD\t1.1\t\\N\nGBP\t0.9\t\\N\n")));
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM currencies")) {
                rs.next();
                assertEquals(3, rs.getInt(1), "the transaction sees its own COPY");
            }
            c.rollback();
            c.setAutoCommit(true);
            CopyIn abandoned = copyApi(c).copyIn("COPY currencies FROM STDIN");
            abandoned.writeToCopy("JPY\t150\t\\N\n".getBytes(StandardCharsets.UTF_8), 0, 12);
            abandoned.cancelCopy();
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM currencies")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the session goes on after an abandoned COPY");
            }
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(0, countOnShard(shard), "nothing on shard s" + shard);
        }
    }

    @Test
    void aRowOneShardRefusesLeavesNoRowOnAnyShardAndTheClientGetsThatShardsError() throws Exception {
        // A row only shard s1 has (written there directly): the COPY's duplicate of it fails on s1 alone.
        try (Connection c = cluster.shard(1); Statement s = c.createStatement()) {
            s.execute("INSERT INTO currencies VALUES ('DUP', 1, 'only on s1')");
        }
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= 500; i++) {
            rows.append("R").append(i).append("\t1\t\\N\n");
            if (i == 250) {
                rows.append("DUP\t2\t\\N\n");
            }
        }
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            SQLException duplicate = assertThrows(SQLException.class,
                    () -> copyApi(c).copyIn("COPY currencies FROM STDIN", bytes(rows.toString())));
            assertEquals("23505", duplicate.getSQLState(), duplicate.getMessage());
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM currencies WHERE code LIKE 'R%'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the session goes on, and sees none of the failed COPY");
            }
        }
        assertEquals(0, countOnShard(0), "nothing on shard s0");
        assertEquals("1:DUP=1/only on s1", rowsOnShard(1), "only its own row on shard s1");
        assertEquals(0, countOnShard(2), "nothing on shard s2");
        assertNoPreparedTransactionsLeft();
    }
}
