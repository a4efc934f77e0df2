package dev.pgsteer.proxy.sharding.move;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a move does on its shards, one step per method, each on a connection the caller opened: the
 * fence and its removal, the subscription's and slot's removal, the barrier's check, the bucket's
 * counts, checksums, lag and batched deletes. The SQL text is the move's {@link MoveScope}'s ("bucket"
 * in the method names: whatever moves).
 */
final class ShardSteps {
    private static final Logger log = LoggerFactory.getLogger(ShardSteps.class);

    private final MoveScope names;
    private final MoveTimings timings;

    ShardSteps(MoveScope names, MoveTimings timings) {
        this.names = names;
        this.timings = timings;
    }

    void fence(Connection source) throws SQLException {
        List<String> statements = new ArrayList<>();
        statements.add("SET LOCAL lock_timeout = " + timings.lock().toMillis());
        for (int i = 0; i < names.tables().size(); i++) {
            statements.addAll(names.dropFence(i));
            statements.addAll(names.createFence(i));
        }
        inTransaction(source, statements);
    }

    /** Runs {@code statements} in one transaction on {@code c} (rolled back when one fails), then back to auto-commit. */
    private static void inTransaction(Connection c, List<String> statements) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    void dropFence(Connection source) throws SQLException {
        for (int i = 0; i < names.tables().size(); i++) {
            for (String sql : names.dropFence(i)) {
                try {
                    execute(source, sql);
                } catch (SQLException e) {
                    // A schema tenant's tables go with its schema at cleanup (a database tenant's with its database,
                    // here a copy half made): their fence went with them.
                    boolean own = names instanceof SchemaScope || names instanceof DatabaseScope;
                    if (!(own && ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())))) {
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * Stops the copy first: nothing the source does afterwards reaches the target. DROP SUBSCRIPTION also
     * drops the slot on the source; when the source cannot be reached for that, the subscription lets
     * go of its slot and {@link #dropSlot} removes it on the source later.
     */
    void dropSubscription(Connection target) throws SQLException {
        try {
            execute(target, "DROP SUBSCRIPTION IF EXISTS " + names.subscription());
        } catch (SQLException e) {
            log.warn("move {}: DROP SUBSCRIPTION could not drop its slot on the source ({}); dropping it without", names.id(),
                    e.getMessage());
            execute(target, "ALTER SUBSCRIPTION " + names.subscription() + " DISABLE");
            execute(target, "ALTER SUBSCRIPTION " + names.subscription() + " SET (slot_name = NONE)");
            execute(target, "DROP SUBSCRIPTION " + names.subscription());
        }
    }

    void dropSlot(Connection source) throws SQLException {
        // DROP SUBSCRIPTION drops its slot when it reaches the source; a slot left behind would keep WAL forever.
        execute(source, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = "
                + MoveNames.literal(names.subscription()) + " AND NOT active");
    }

    /**
     * Waits until the target has applied every transaction the source committed before this call (the
     * fence is in: no later write of the bucket can commit there), and has made them durable; null then,
     * else why not within {@code bound}. With the move's marker table ({@link MoveNames#marker}): a token
     * committed on the source, seen on the target, then a flush of the target's WAL (the subscription
     * applies with synchronous_commit off). A move whose publication predates the marker waits, as
     * before, for the slot's confirmed_flush_lsn to pass the source's WAL position.
     */
    String barrier(Connection source, Connection target, Duration bound) throws SQLException, InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        if (!MoveRequirements.bool(source, "SELECT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = "
                + MoveNames.literal(names.publication()) + " AND tablename = " + MoveNames.literal(names.marker()) + ")")) {
            String lsn = MoveRequirements.one(source, "SELECT pg_current_wal_lsn()::text");
            while (!MoveRequirements.bool(source, "SELECT confirmed_flush_lsn >= " + MoveNames.literal(lsn)
                    + "::pg_lsn FROM pg_replication_slots WHERE slot_name = " + MoveNames.literal(names.subscription()))) {
                if (System.nanoTime() > until) {
                    return "the target did not apply the source's WAL up to " + lsn + " within " + bound.toMillis() + " ms";
                }
                Thread.sleep(5);
            }
            return null;
        }
        String token = UUID.randomUUID().toString();
        // Flushed at once, whatever the server's synchronous_commit: the WAL sender sends only flushed WAL.
        inTransaction(source, List.of("SET LOCAL synchronous_commit = on",
                "INSERT INTO " + names.marker() + " VALUES (" + MoveNames.literal(token) + ")"));
        String seen = "SELECT EXISTS (SELECT 1 FROM " + names.marker() + " WHERE token = " + MoveNames.literal(token) + ")";
        while (!MoveRequirements.bool(target, seen)) {
            if (System.nanoTime() > until) {
                return "the target did not apply the source's writes up to the barrier within " + bound.toMillis() + " ms";
            }
            Thread.sleep(2);
        }
        // A commit with an xid, flushed: the target's WAL up to it (every applied write of the bucket) is on disk.
        inTransaction(target, List.of("SET LOCAL synchronous_commit = on", "SELECT pg_current_xact_id()"));
        return null;
    }

    /**
     * Null when the bucket's rows are the same on both shards (count and checksum of each table); else
     * the difference. It runs while writes are held, so the two sides are read at once: the hold lasts
     * the slower side's scan, not the sum of both.
     */
    String compare(Connection source, Connection target) throws SQLException, InterruptedException {
        for (Connection c : List.of(source, target)) {
            for (String setting : MoveNames.SETTINGS) {
                execute(c, setting);
            }
        }
        String listing = names.tableListQuery();
        if (listing != null) {
            // A table made in the schema (or database) since checking is not replicated: both sides must have the moved tables.
            String here = MoveRequirements.one(source, listing);
            String there = MoveRequirements.one(target, listing);
            String moving = String.join(",", names.tables().stream().sorted().toList());
            if (!here.equals(moving) || !there.equals(moving)) {
                return names.holder() + " has tables [" + here + "] on the source and [" + there + "] on the target, and the move"
                        + " copies [" + moving + "] (a table made or dropped during the move: MOVE TENANT again)";
            }
        }
        for (int i = 0; i < names.tables().size(); i++) {
            int table = i;
            FutureTask<String> onSource = new FutureTask<>(() -> checksum(source, table));
            Thread.ofVirtual().name("pgsteer-move-checksum").start(onSource);
            String b = checksum(target, i);
            String a;
            try {
                a = onSource.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SQLException sql) {
                    throw sql;
                }
                throw new IllegalStateException("the source's checksum failed", e.getCause());
            }
            if (!a.equals(b)) {
                return "table " + names.tables().get(i) + ": the source has " + a + ", the target " + b + " (count checksum)";
            }
        }
        switch (names) {
            case SchemaScope schema -> syncSequences(source, target, "SELECT format('%I.%I', schemaname, sequencename), last_value"
                    + " FROM pg_sequences WHERE schemaname = " + MoveNames.literal(schema.schema()) + " AND last_value IS NOT NULL");
            case DatabaseScope database -> syncSequences(source, target, DatabaseScope.sequences());
            case MoveNames bucket -> {
                // A bucket's tables keep their sequences on both shards.
            }
            case KeyScope key -> {
                // Likewise a directory key's.
            }
        }
        return null;
    }

    /**
     * Logical replication does not carry sequences: once the rows agree, and while the fence stops the
     * source's writes, each sequence of the schema (or database) on the target is set to the source's
     * value, so that the tenant's next insert on the target does not take a number its copied rows have.
     * {@code sequences} reads each sequence's name and last value on the source.
     */
    private static void syncSequences(Connection source, Connection target, String sequences) throws SQLException {
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(sequences)) {
            while (rs.next()) {
                execute(target, "SELECT pg_catalog.setval(" + MoveNames.literal(rs.getString(1)) + ", " + rs.getLong(2) + ", true)");
            }
        }
    }

    private String checksum(Connection c, int table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(names.checksum(table))) {
            rs.next();
            return rs.getLong(1) + " " + rs.getString(2);
        }
    }

    /**
     * Deletes the bucket's rows in batches, through the fence; {@code progress} is told each batch's count.
     * A schema tenant's rows go with its schema, dropped whole once they are counted; a database tenant's
     * are counted only: they go with its database, which its mover drops from another connection.
     */
    long deleteBucket(Connection c, LongConsumer progress) throws SQLException {
        if (names instanceof DatabaseScope database) {
            long rows = 0;
            for (int i = 0; i < database.tables().size(); i++) {
                if (MoveRequirements.bool(c, "SELECT to_regclass(" + MoveNames.literal(database.tables().get(i)) + ") IS NOT NULL")) {
                    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(database.count(i))) {
                        rs.next();
                        rows += rs.getLong(1);
                    }
                }
            }
            if (rows > 0) {
                progress.accept(rows);
            }
            return rows;
        }
        if (names instanceof SchemaScope schema) {
            long rows = 0;
            for (int i = 0; i < schema.tables().size(); i++) {
                // A copy cut off half made may lack tables: count those there.
                if (MoveRequirements.bool(c, "SELECT to_regclass(" + MoveNames.literal(schema.qualified(i)) + ") IS NOT NULL")) {
                    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(schema.count(i))) {
                        rs.next();
                        rows += rs.getLong(1);
                    }
                }
            }
            execute(c, schema.dropSchema());
            if (rows > 0) {
                progress.accept(rows);
            }
            return rows;
        }
        execute(c, MoveNames.FENCE_OFF);
        long deleted = 0;
        for (int i = 0; i < names.tables().size(); i++) {
            while (true) {
                int n;
                try (Statement st = c.createStatement()) {
                    n = st.executeUpdate(names.deleteBatch(i, timings.deleteBatch()));
                }
                deleted += n;
                if (n > 0) {
                    progress.accept(n);
                }
                if (n == 0) {
                    break;
                }
            }
        }
        return deleted;
    }

    long countBucket(Connection c) throws SQLException {
        long rows = 0;
        for (int i = 0; i < names.tables().size(); i++) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(names.count(i))) {
                rs.next();
                rows += rs.getLong(1);
            }
        }
        return rows;
    }

    record Lag(long bytes, BigDecimal seconds) {
    }

    Lag lag(Connection source, Connection target) throws SQLException {
        long bytes = -1;
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(),"
                + " confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = "
                + MoveNames.literal(names.subscription()))) {
            if (rs.next()) {
                bytes = Math.max(0, rs.getLong(1));
            }
        }
        BigDecimal seconds = null;
        try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery("SELECT extract(epoch FROM now() - "
                + "last_msg_send_time) FROM pg_stat_subscription WHERE subname = " + MoveNames.literal(names.subscription())
                + " AND relid IS NULL")) {
            if (rs.next() && rs.getBigDecimal(1) != null) {
                seconds = rs.getBigDecimal(1).max(BigDecimal.ZERO).setScale(3, RoundingMode.HALF_UP);
            }
        }
        return new Lag(bytes, seconds);
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
