package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.sharding.move.MoveFreeze;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The mover's instance dies at each point of a move ({@link MoveFreeze.Point}: within every phase,
 * and in HOLDING both while every instance holds writes and while the fence is on the source): it
 * freezes there, stops renewing its lease, and is closed without cleanup. Meanwhile a second instance
 * (b) carries a pgjdbc write workload (inserts and deletes of orders and items, co-located, with a
 * ledger of the acknowledged ones) and must adopt the move once the lease ends and finish it; the
 * writes the dead instance's hold held are answered; the shards hold the ledger exactly, each bucket's
 * rows on the one shard routing gives it; nothing of the move is left on a shard. Then the only
 * instance dies and a new one starts later on the same store (the move resumes at the next start),
 * and the packaged pgsteer is killed with SIGKILL mid-copy and started again. Two shards, 4 buckets.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MoveCrashIT {
    private static final Duration NODE_TIMEOUT = Duration.ofMillis(1500);
    private static final Pattern LISTENING = Pattern.compile("pgsteer listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final int SEED_KEYS = 200;
    /** Rows written by a bulk insert on a shard directly (the process test's big bucket): ids from here on, not in the ledger. */
    private static final int BULK = 50_000_000;
    static MoveFixture fixture;
    /** The surviving instance of the first tests. */
    static PgSteerServer b;
    /** Every row (customer_id, id) of orders and items that an acknowledged write left; seed rows included. */
    static final Set<List<Integer>> ledger = ConcurrentHashMap.newKeySet();
    static final AtomicInteger ids = new AtomicInteger(1_000_000);

    @TempDir
    static Path work;

    @BeforeAll
    static void start() throws Exception {
        fixture = new MoveFixture(2, 4, NODE_TIMEOUT.toMillis() + "ms");
        b = fixture.proxy();
        try (Connection c = MoveFixture.connect(b); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (customer_id int NOT NULL, id int NOT NULL, total int, PRIMARY KEY (customer_id, id))");
            s.execute("CREATE TABLE items (customer_id int NOT NULL, id int NOT NULL, sku text)");
            for (int k = 1; k <= SEED_KEYS; k++) {
                s.execute("INSERT INTO orders VALUES (" + k + ", " + k + ", " + k + ")");
                s.execute("INSERT INTO items VALUES (" + k + ", " + k + ", 'sku" + k + "')");
                ledger.add(List.of(k, k));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (b != null) {
            b.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = MoveFreeze.Point.class, mode = EnumSource.Mode.EXCLUDE, names = "ROLLING_BACK")
    @Order(1)
    void aMoveWhoseInstanceDiesIsAdoptedAndFinishedByTheSurvivorWithNothingLost(MoveFreeze.Point point) throws Exception {
        int bucket = point.ordinal() % fixture.buckets;
        int key = fixture.keyIn(bucket);
        String source = MoveFixture.routeOf(b, key);
        String target = source.equals("s0") ? "s1" : "s0";
        long id;
        Map<String, String> end;
        long frozenAt;
        try (Workload load = new Workload(b, 3)) {
            Thread.sleep(200);
            PgSteerServer a = fixture.proxy();
            CountDownLatch frozen = new CountDownLatch(1);
            try {
                a.freezeMovesAt(p -> {
                    if (p == point) {
                        frozen.countDown();
                        return true;
                    }
                    return false;
                });
                id = MoveFixture.move(a.address().getPort(), "MOVE BUCKET " + bucket + " OF orders TO " + target);
                assertTrue(frozen.await(60, TimeUnit.SECONDS), "the move reached " + point);
                frozenAt = System.nanoTime();
                Thread.sleep(200);   // writes reach the dead instance's hold, or the fence
            } finally {
                a.close();
            }
            end = MoveFixture.await(b.address().getPort(), id, Duration.ofSeconds(60), "done", "failed", "cancelled");
            Thread.sleep(300);
            load.stop();
            System.out.printf("MoveCrashIT: died at %s: move %d %s %.1f s later (%s); %s%n", point, id, end.get("phase"),
                    (System.nanoTime() - frozenAt) / 1e9, end.get("error"), load.summary());
            load.assertOnlyRetryableFailures();
            // A hold that outlived its owner ended: no write waited past the hold's bound (10 s) and a bit.
            assertTrue(load.longestMillis() < 12_000, "longest write " + load.longestMillis() + " ms");
        }
        assertEquals("done", end.get("phase"), end.toString());
        assertEquals(target, MoveFixture.routeOf(b, key));
        // The bucket takes writes at once, through the survivor, on the target.
        writeOnce(b, key);
        assertShardsHoldTheLedger();
    }

    /**
     * A move fails (every cutover attempt gives up: a transaction left open on the source keeps the fence
     * out) and its instance dies in the middle of the rollback, with the subscription and slot gone but
     * the target's copies still there and the phase still holding. The survivor adopts it: it must not
     * wait forever for a stream that is gone, nor copy onto the copies: it ends the move (done or
     * failed) with every row once, on its bucket's shard.
     */
    @Test
    @Order(2)
    void aMoveWhoseInstanceDiesRollingBackIsEndedByTheSurvivor() throws Exception {
        int bucket = 0;
        int key = fixture.keyIn(bucket);
        String source = MoveFixture.routeOf(b, key);
        String target = source.equals("s0") ? "s1" : "s0";
        long id;
        Map<String, String> end;
        try (Workload load = new Workload(b, 3);
             Connection blocker = fixture.shards.get(Integer.parseInt(source.substring(1))).direct()) {
            blocker.setAutoCommit(false);
            try (Statement s = blocker.createStatement()) {
                // Held open: the fence's CREATE TRIGGER waits for it and times out, at every attempt.
                s.execute("LOCK TABLE orders IN ROW EXCLUSIVE MODE");
            }
            PgSteerServer a = fixture.proxy();
            CountDownLatch frozen = new CountDownLatch(1);
            try {
                a.freezeMovesAt(p -> {
                    if (p == MoveFreeze.Point.ROLLING_BACK) {
                        frozen.countDown();
                        return true;
                    }
                    return false;
                });
                id = MoveFixture.move(a.address().getPort(), "MOVE BUCKET " + bucket + " OF orders TO " + target);
                assertTrue(frozen.await(90, TimeUnit.SECONDS), "the move failed and rolled back");
                blocker.rollback();
            } finally {
                a.close();
            }
            end = MoveFixture.await(b.address().getPort(), id, Duration.ofSeconds(60), "done", "failed", "cancelled");
            load.stop();
            System.out.printf("MoveCrashIT: died rolling back: move %d %s (%s); %s%n", id, end.get("phase"), end.get("error"),
                    load.summary());
            load.assertOnlyRetryableFailures();
            assertTrue(load.longestMillis() < 12_000, "longest write " + load.longestMillis() + " ms");
        }
        assertTrue(List.of("done", "failed").contains(end.get("phase")), end.toString());
        assertEquals(end.get("phase").equals("done") ? target : source, MoveFixture.routeOf(b, key));
        writeOnce(b, key);
        assertShardsHoldTheLedger();
    }

    /**
     * The mover's instance is paused (not dead) after the count and checksum agreed, just before the flip,
     * long enough for its lease to end and the survivor to adopt the move; then it comes back. It must
     * not flip the map of a move it no longer owns: the survivor went back to catching up, the source
     * takes writes unfenced, and a flip now would send writes to a target that may lack the last ones.
     * A row put on the target's copy by hand makes the survivor's own attempts give up meanwhile (the
     * checksums differ), so that a flip seen in that time can only be the paused instance's.
     */
    @Test
    @Order(3)
    void anInstanceThatComesBackAfterItsMoveWasAdoptedDoesNotFlipIt() throws Exception {
        int bucket = 1;
        int key = fixture.keyIn(bucket);
        String source = MoveFixture.routeOf(b, key);
        String target = source.equals("s0") ? "s1" : "s0";
        EmbeddedBackend targetShard = fixture.shards.get(Integer.parseInt(target.substring(1)));
        int stray = ids.incrementAndGet();
        long id;
        Map<String, String> end;
        try (Workload load = new Workload(b, 3)) {
            PgSteerServer a = fixture.proxy();
            CountDownLatch frozen = new CountDownLatch(1);
            try {
                a.freezeMovesAt(p -> {
                    if (p == MoveFreeze.Point.VERIFYING) {
                        frozen.countDown();
                        return true;
                    }
                    return false;
                });
                id = MoveFixture.move(a.address().getPort(), "MOVE BUCKET " + bucket + " OF orders TO " + target);
                assertTrue(frozen.await(60, TimeUnit.SECONDS), "the move reached verifying");
                String paused = metaText("SELECT owner FROM pgsteer.moves WHERE id = " + id);
                try (Connection c = targetShard.direct(); Statement s = c.createStatement()) {
                    s.execute("INSERT INTO orders VALUES (" + key + ", " + stray + ", 0)");
                }
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (paused.equals(metaText("SELECT owner FROM pgsteer.moves WHERE id = " + id))) {
                    assertTrue(System.nanoTime() < until, "the survivor adopted the move");
                    Thread.sleep(20);
                }
                a.thawMoves();
                Thread.sleep(1000);
                assertEquals(source, MoveFixture.routeOf(b, key), "the paused instance flipped a move it no longer owned");
                assertEquals(source, MoveFixture.routeOf(a, key), "the paused instance flipped a move it no longer owned");
            } finally {
                a.close();
            }
            try (Connection c = targetShard.direct(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM orders WHERE id = " + stray);
            }
            end = MoveFixture.await(b.address().getPort(), id, Duration.ofSeconds(60), "done", "failed", "cancelled");
            load.stop();
            System.out.printf("MoveCrashIT: paused at VERIFYING, came back after the adoption: move %d %s (%s); %s%n", id,
                    end.get("phase"), end.get("error"), load.summary());
            load.assertOnlyRetryableFailures();
        }
        assertEquals("done", end.get("phase"), end.toString());
        assertEquals(target, MoveFixture.routeOf(b, key));
        writeOnce(b, key);
        assertShardsHoldTheLedger();
    }

    private static String metaText(String query) throws SQLException {
        try (Connection c = fixture.meta.direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * The only instance dies at a point, and a new one starts on the same store later: it adopts the
     * move at its start (the dead one's lease has ended by then) and finishes it.
     */
    @ParameterizedTest
    @EnumSource(value = MoveFreeze.Point.class, names = {"FENCED", "FLIPPED"})
    @Order(4)
    void aMoveWhoseOnlyInstanceDiesResumesAtTheNextStart(MoveFreeze.Point point) throws Exception {
        if (b != null) {
            b.close();
            b = null;
        }
        int bucket = (point.ordinal() + 1) % fixture.buckets;
        int key = fixture.keyIn(bucket);
        long id;
        String target;
        PgSteerServer a = fixture.proxy();
        try {
            String source = MoveFixture.routeOf(a, key);
            target = source.equals("s0") ? "s1" : "s0";
            CountDownLatch frozen = new CountDownLatch(1);
            a.freezeMovesAt(p -> {
                if (p == point) {
                    frozen.countDown();
                    return true;
                }
                return false;
            });
            id = MoveFixture.move(a.address().getPort(), "MOVE BUCKET " + bucket + " OF orders TO " + target);
            assertTrue(frozen.await(60, TimeUnit.SECONDS), "the move reached " + point);
        } finally {
            a.close();
        }
        Thread.sleep(NODE_TIMEOUT.toMillis());
        try (PgSteerServer next = fixture.proxy()) {
            Map<String, String> end = MoveFixture.await(next.address().getPort(), id, Duration.ofSeconds(60), "done", "failed",
                    "cancelled");
            assertEquals("done", end.get("phase"), end.toString());
            assertEquals(target, MoveFixture.routeOf(next, key));
            writeOnce(next, key);
        }
        assertShardsHoldTheLedger();
    }

    /**
     * The packaged pgsteer, a process of its own, killed with SIGKILL while the move copies a bucket
     * of 200,000 rows; a new process on the same store finishes the move.
     */
    @Test
    @Order(5)
    void aKilledProcessMidCopyLeavesAMoveTheNextProcessFinishes() throws Exception {
        Path jar = Path.of("target", "pgsteer.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            System.err.println("MoveCrashIT: SKIPPED the kill -9 test: " + jar + " is not built (run the IT phase, after package)");
            Assumptions.abort("the packaged jar " + jar + " is not built");
        }
        if (b != null) {
            b.close();
            b = null;
        }
        int bucket = 3;
        int rows = 200_000;
        Path config = work.resolve("shop.yaml");
        Files.writeString(config, fixture.yaml());
        String source;
        String target;
        long id;
        String phaseAtKill;
        try (Child first = Child.start(jar, config, work)) {
            try (Connection c = MoveFixture.connect(first.port); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = " + fixture.keyIn(bucket))) {
                rs.next();
                source = rs.getString("shards");
            }
            target = source.equals("s0") ? "s1" : "s0";
            bulk(Integer.parseInt(source.substring(1)), bucket, rows);
            id = MoveFixture.move(first.port, "MOVE BUCKET " + bucket + " OF orders TO " + target);
            phaseAtKill = MoveFixture.await(first.port, id, Duration.ofSeconds(60), "copying", "catching_up", "holding",
                    "verifying", "flipped", "cleaning", "done").get("phase");
            first.kill();
        }
        System.out.println("MoveCrashIT: pgsteer killed with SIGKILL with move " + id + " in " + phaseAtKill);
        try (Child second = Child.start(jar, config, work)) {
            Map<String, String> end = MoveFixture.await(second.port, id, Duration.ofSeconds(90), "done", "failed", "cancelled");
            assertEquals("done", end.get("phase"), end.toString());
        }
        int targetShard = Integer.parseInt(target.substring(1));
        for (int i = 0; i < fixture.shards.size(); i++) {
            try (Connection c = fixture.shards.get(i).direct(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM items WHERE id >= " + BULK)) {
                rs.next();
                assertEquals(i == targetShard ? rows : 0, rs.getInt(1), "bulk rows on s" + i);
            }
        }
        assertShardsHoldTheLedger();
    }

    /** Adds {@code rows} items of {@code bucket}'s keys on shard {@code shard} directly (ids from {@link #BULK}), so that the copy lasts. */
    private static void bulk(int shard, int bucket, int rows) throws SQLException {
        try (Connection c = fixture.shards.get(shard).direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE crash_hash (k int) PARTITION BY HASH (k)");
            s.execute("INSERT INTO items SELECT k, " + BULK + " + g, 'bulk' FROM (SELECT k FROM generate_series(1, " + SEED_KEYS
                    + ") k WHERE satisfies_hash_partition('crash_hash'::regclass, " + fixture.buckets + ", " + bucket + ", k)) keys,"
                    + " generate_series(1, " + rows + ") g LIMIT " + rows);
            s.execute("DROP TABLE crash_hash");
        }
    }

    /** One write to the key's bucket answers within 2 s (no hold is left) and is in the ledger. */
    private static void writeOnce(PgSteerServer proxy, int key) throws SQLException {
        long started = System.nanoTime();
        int id = ids.incrementAndGet();
        try (Connection c = MoveFixture.connect(proxy); Statement s = c.createStatement()) {
            s.execute("INSERT INTO orders VALUES (" + key + ", " + id + ", 0)");
            s.execute("INSERT INTO items VALUES (" + key + ", " + id + ", 'after')");
        }
        ledger.add(List.of(key, id));
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertTrue(ms < 2000, "a write to the moved bucket took " + ms + " ms");
    }

    /**
     * Both tables on the shards, read directly, hold exactly the ledger: every row once, on the shard the
     * map gives its bucket (as b routes, or a new instance reading the store); and nothing of any move is left.
     */
    private static void assertShardsHoldTheLedger() throws Exception {
        Map<Integer, String> shardOf = new java.util.HashMap<>();
        PgSteerServer reader = b != null ? b : fixture.proxy();
        try {
            for (int bk = 0; bk < fixture.buckets; bk++) {
                shardOf.put(bk, MoveFixture.routeOf(reader, fixture.keyIn(bk)));
            }
        } finally {
            if (reader != b) {
                reader.close();
            }
        }
        for (String table : List.of("orders", "items")) {
            Map<List<Integer>, List<Integer>> where = fixture.placement(table, "id < " + BULK);
            for (List<Integer> row : ledger) {
                assertEquals(1, where.getOrDefault(row, List.of()).size(), table + " row " + row + " on shards " + where.get(row));
            }
            for (Map.Entry<List<Integer>, List<Integer>> e : where.entrySet()) {
                assertTrue(ledger.contains(e.getKey()), table + " row " + e.getKey() + " was never acknowledged");
                assertEquals(1, e.getValue().size(), table + " row " + e.getKey() + " on shards " + e.getValue());
                assertEquals(shardOf.get(fixture.bucket(e.getKey().getFirst())), "s" + e.getValue().getFirst(),
                        table + " row " + e.getKey() + " on the shard its bucket is not on");
            }
        }
        for (int i = 0; i < fixture.shards.size(); i++) {
            assertEquals(List.of(), fixture.leftovers(i), "left on s" + i);
        }
    }

    /**
     * Writers through one instance: each transaction inserts a row of orders and of items with one key,
     * or deletes a row it inserted earlier; an acknowledged one changes the ledger. A failed one was
     * rolled back (the instance stays up), so it changes nothing.
     */
    static final class Workload implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> writers = new ArrayList<>();
        private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        private final AtomicInteger acknowledged = new AtomicInteger();
        private final AtomicLong longest = new AtomicLong();

        Workload(PgSteerServer through, int threads) {
            for (int w = 0; w < threads; w++) {
                int seed = w;
                writers.add(Thread.ofPlatform().start(() -> write(through, seed)));
            }
        }

        private void write(PgSteerServer through, int seed) {
            List<List<Integer>> mine = new ArrayList<>();
            try (Connection c = MoveFixture.connect(through)) {
                c.setAutoCommit(false);
                int n = 0;
                while (running.get()) {
                    n++;
                    boolean delete = n % 4 == 0 && !mine.isEmpty();
                    List<Integer> row = delete ? mine.get((n * 31) % mine.size())
                            : List.of(1 + (n * 7 + seed * 13) % SEED_KEYS, ids.incrementAndGet());
                    long started = System.nanoTime();
                    try {
                        try (PreparedStatement o = c.prepareStatement(delete ? "DELETE FROM orders WHERE customer_id = ? AND id = ?"
                                : "INSERT INTO orders VALUES (?, ?, 0)");
                             PreparedStatement i = c.prepareStatement(delete ? "DELETE FROM items WHERE customer_id = ? AND id = ?"
                                     : "INSERT INTO items VALUES (?, ?, 'w')")) {
                            for (PreparedStatement st : List.of(o, i)) {
                                st.setInt(1, row.getFirst());
                                st.setInt(2, row.get(1));
                                assertEquals(1, st.executeUpdate(), (delete ? "delete " : "insert ") + row);
                            }
                        }
                        c.commit();
                        if (delete) {
                            ledger.remove(row);
                            mine.remove(row);
                        } else {
                            ledger.add(row);
                            mine.add(row);
                        }
                        acknowledged.incrementAndGet();
                    } catch (SQLException e) {
                        failures.computeIfAbsent(e.getSQLState() + " " + e.getMessage(), k -> new AtomicInteger()).incrementAndGet();
                        try {
                            c.rollback();
                        } catch (SQLException ignored) {
                            // the next statement reports a broken connection
                        }
                    } finally {
                        longest.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
                    }
                }
            } catch (SQLException e) {
                failures.computeIfAbsent("connection " + e.getMessage(), k -> new AtomicInteger()).incrementAndGet();
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : writers) {
                t.join();
            }
        }

        long longestMillis() {
            return longest.get();
        }

        String summary() {
            return acknowledged.get() + " acknowledged writes, longest " + longest.get() + " ms, failures " + failures;
        }

        void assertOnlyRetryableFailures() {
            for (String failure : failures.keySet()) {
                assertTrue(failure.startsWith("40001") || failure.startsWith("55P03"), "only retryable failures: " + failures);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    /** The packaged pgsteer as a child process, on the port it prints. */
    private record Child(Process process, int port) implements AutoCloseable {
        static Child start(Path jar, Path config, Path workDir) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder(java, "-jar", jar.toString(), "--config", config.toString())
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            List<String> output = new ArrayList<>();
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    Thread drain = new Thread(() -> lines.lines().forEach(l -> { }));
                    drain.setDaemon(true);
                    drain.start();
                    return new Child(process, Integer.parseInt(m.group(1)));
                }
            }
            throw new AssertionError("pgsteer did not start:\n" + String.join("\n", output));
        }

        /** SIGKILL: the process gets no chance to stop anything. */
        void kill() throws Exception {
            Process killer = new ProcessBuilder("kill", "-9", Long.toString(process.pid())).inheritIO().start();
            assertEquals(0, killer.waitFor(), "kill -9");
            assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the process died");
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
