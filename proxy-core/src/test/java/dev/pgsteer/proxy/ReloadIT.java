package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Changes without restart: pgsteer started with a file over three real PostgreSQL shards, the file
 * rewritten, then RELOAD in the admin console (and SIGHUP to the packaged jar). Users and databases
 * added, a list-sharded table's value moved to another shard and a table added to the shard map while
 * clients run statements, a broken file rejected whole with its lines while the old file still serves.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReloadIT {
    private static final List<EmbeddedBackend> shards = new ArrayList<>();
    private static Path dir;
    private static Path file;
    private static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            shards.add(EmbeddedBackend.shard());
        }
        dir = Files.createTempDirectory("pgsteer-reload");
        file = dir.resolve("pgsteer.yaml");
        Files.writeString(file, yaml("", "", "us: s1", "", 4));
        // tickets is on every shard, not in the shard map yet (so on the default shard, s0); a reload shards it.
        for (EmbeddedBackend shard : shards) {
            try (Connection c = shard.direct(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE tickets (id bigint, what text)");
            }
        }
        proxy = new PgSteerServer(ConfigLoader.load(file)).decisionLog(dir.resolve("decisions.log")).configFile(file).start();
        try (Connection c = connect("app", "app-secret", "shop"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE stores (region text PRIMARY KEY, name text)");
            s.execute("INSERT INTO stores (region, name) VALUES ('eu', 'Paris'), ('us', 'Boston'), ('apac', 'Tokyo')");
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
    }

    /**
     * The file: users app and ops (admin), shards s0..s2, database shop (stores listed by region);
     * {@code moreUsers}, {@code moreDatabases} and {@code moreTables} are added lines.
     */
    static String yaml(String moreUsers, String moreDatabases, String us, String moreTables, int poolSize) {
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < shards.size(); i++) {
            backends.append("  s").append(i).append(": { url: \"").append(shards.get(i).url()).append("\" }\n");
        }
        return """
                listen: 127.0.0.1:0
                http: off
                users:
                  app: { password: "app-secret" }
                  ops: { password: "ops-secret", admin: true }
                %sbackends:
                %sdatabases:
                  shop:
                    shards: [s0, s1, s2]
                    backend_database: appdb
                    pool: { size: %d }
                    tables:
                      stores: { key: region, function: list, lists: { eu: s0, %s, apac: s2 } }
                %s%s""".formatted(moreUsers, backends, poolSize, us, moreTables, moreDatabases);
    }

    static Connection connect(String user, String password, String database) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, database, "socketTimeout=30"), user, password);
    }

    static List<String> reload() throws SQLException {
        List<String> status = new ArrayList<>();
        try (Connection console = connect("ops", "ops-secret", "pgsteer"); Statement s = console.createStatement();
             ResultSet rs = s.executeQuery("RELOAD")) {
            while (rs.next()) {
                status.add(rs.getString("status"));
            }
        }
        return status;
    }

    static String route(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN ROUTE " + sql)) {
            assertTrue(rs.next());
            return rs.getString("shards") + " | " + rs.getString("reason");
        }
    }

    @Test
    @Order(1)
    void aUserAndADatabaseAddedToTheFileCanBeUsedAfterReload() throws Exception {
        SQLException before = assertThrows(SQLException.class, () -> connect("bob", "bob-secret", "shop").close());
        assertEquals("28P01", before.getSQLState());
        assertEquals("3D000", assertThrows(SQLException.class, () -> connect("app", "app-secret", "single").close()).getSQLState());

        Files.writeString(file, yaml("  bob: { password: \"bob-secret\" }\n", "  single: { shards: [s1], backend_database: appdb }\n",
                "us: s1", "", 4));
        List<String> status = reload();
        assertEquals(1, status.size(), status.toString());
        assertTrue(status.getFirst().contains("users +bob") && status.getFirst().contains("databases +single"), status.toString());
        assertTrue(!status.getFirst().contains("~shop"), "shop did not change: " + status);

        try (Connection bob = connect("bob", "bob-secret", "single"); Statement s = bob.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM stores WHERE region = 'us'")) {
            assertTrue(rs.next(), "database single is shard s1's appdb");
            assertEquals("Boston", rs.getString(1));
        }
        try (Connection bob = connect("bob", "bob-secret", "shop")) {
            assertEquals("s1 | shard key of stores", route(bob, "SELECT * FROM stores WHERE region = 'us'").replaceAll(" \\(.*", ""));
        }
    }

    @Test
    @Order(2)
    void aShardMapChangedUnderLoadRoutesNewStatementsByTheNewMapWithoutAFailedStatement() throws Exception {
        int threads = 6;
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong statements = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Connection> sessions = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int worker = t;
            Thread thread = new Thread(() -> {
                try (Connection c = connect("app", "app-secret", "shop");
                     PreparedStatement byRegion = c.prepareStatement("SELECT name FROM stores WHERE region = ?");
                     PreparedStatement ticket = c.prepareStatement("INSERT INTO tickets (id, what) VALUES (?, ?)")) {
                    sessions.add(c);
                    started.countDown();
                    String[] regions = {"eu", "us", "apac"};
                    for (int i = 0; running.get(); i++) {
                        byRegion.setString(1, regions[i % 3]);
                        try (ResultSet rs = byRegion.executeQuery()) {
                            while (rs.next()) {
                                rs.getString(1);
                            }
                        }
                        try (Statement s = c.createStatement();
                             ResultSet rs = s.executeQuery("SELECT count(*) FROM stores")) {
                            rs.next();
                        }
                        if (worker % 2 == 0) {
                            c.setAutoCommit(false);
                            ticket.setLong(1, worker * 1_000_000L + i);
                            ticket.setString(2, "from worker " + worker);
                            ticket.executeUpdate();
                            c.commit();
                            c.setAutoCommit(true);
                        }
                        statements.addAndGet(worker % 2 == 0 ? 4 : 2);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                    started.countDown();
                }
            }, "reload-workload-" + t);
            thread.start();
            workers.add(thread);
        }
        assertTrue(started.await(30, TimeUnit.SECONDS));
        Thread.sleep(500);
        long beforeReload = statements.get();

        // us moves from s1 to s2; tickets (unsharded until now: on s0) is hashed by id; pools grow to 6.
        Files.writeString(file, yaml("  bob: { password: \"bob-secret\" }\n", "  single: { shards: [s1], backend_database: appdb }\n",
                "us: s2", "      tickets: { key: id, function: hash }\n", 6));
        List<String> status = reload();
        assertTrue(status.getFirst().contains("databases ~shop"), status.toString());
        Thread.sleep(1000);
        running.set(false);
        for (Thread worker : workers) {
            worker.join(30_000);
        }
        assertEquals(List.of(), failures, "no statement failed across the reload");
        assertTrue(statements.get() > beforeReload, "the workload ran across the reload: " + beforeReload + " -> " + statements.get());

        try (Connection fresh = connect("app", "app-secret", "shop")) {
            assertTrue(route(fresh, "SELECT * FROM stores WHERE region = 'us'").startsWith("s2 "), route(fresh, "SELECT * FROM stores WHERE region = 'us'"));
            assertTrue(route(fresh, "SELECT * FROM tickets WHERE id = 7").contains("tickets"), route(fresh, "SELECT * FROM tickets WHERE id = 7"));
        }
        try (Connection console = connect("ops", "ops-secret", "pgsteer"); Statement s = console.createStatement();
             ResultSet rs = s.executeQuery("SHOW POOLS")) {
            int pools = 0;
            while (rs.next()) {
                pools++;
                assertEquals(6, rs.getLong("pool_size"), "pool " + rs.getString("backend") + " took the new size");
            }
            assertTrue(pools >= 3);
        }
    }

    @Test
    @Order(3)
    void aSessionOpenAcrossTheReloadRoutesItsNextStatementsByTheNewMap() throws Exception {
        try (Connection c = connect("app", "app-secret", "shop")) {
            assertTrue(route(c, "SELECT * FROM stores WHERE region = 'us'").startsWith("s2 "));
            Files.writeString(file, yaml("  bob: { password: \"bob-secret\" }\n", "  single: { shards: [s1], backend_database: appdb }\n",
                    "us: s1", "      tickets: { key: id, function: hash }\n", 6));
            reload();
            assertTrue(route(c, "SELECT * FROM stores WHERE region = 'us'").startsWith("s1 "), "the same session, after the reload");
        }
    }

    @Test
    @Order(4)
    void aBrokenFileIsRejectedWholeWithItsLinesAndTheRunningConfigurationStays() throws Exception {
        String good = Files.readString(file);
        String broken = good.replace("http: off", "http: off\nauth: password")
                .replace("  bob: { password: \"bob-secret\" }", "  bob: { password: \"bob-secret\" }\n  carol: { pasword: \"x\" }")
                .replace("  single: { shards: [s1], backend_database: appdb }", "  single: { shards: [s7], backend_database: appdb }");
        Files.writeString(file, broken);
        List<String> lines = broken.lines().toList();
        SQLException rejected = assertThrows(SQLException.class, ReloadIT::reload);
        assertEquals("F0000", rejected.getSQLState());
        String message = rejected.getMessage();
        for (String wrong : List.of("auth: password", "carol:", "single: { shards: [s7]")) {
            int line = indexOf(lines, wrong) + 1;
            assertTrue(message.contains(file + ":" + line + ": "), "names " + file + ":" + line + " for " + wrong + ":\n" + message);
        }
        assertTrue(message.contains("Fix: "), message);
        assertTrue(message.contains("the running configuration stays"), message);

        // The file's catalog check is the start's too: a key column that the existing table lacks.
        Files.writeString(file, good.replace("stores: { key: region,", "stores: { key: area,"));
        SQLException catalog = assertThrows(SQLException.class, ReloadIT::reload);
        assertEquals("F0000", catalog.getSQLState());
        int storesLine = indexOf(good.lines().toList(), "stores: { key: region,") + 1;
        assertTrue(catalog.getMessage().contains(file + ":" + storesLine + ": "), catalog.getMessage());

        // Nothing of either was applied: bob logs in, single is served, us is still on s1, carol is unknown.
        try (Connection bob = connect("bob", "bob-secret", "shop")) {
            assertTrue(route(bob, "SELECT * FROM stores WHERE region = 'us'").startsWith("s1 "));
        }
        connect("bob", "bob-secret", "single").close();
        assertEquals("28P01", assertThrows(SQLException.class, () -> connect("carol", "x", "shop").close()).getSQLState());
        Files.writeString(file, good);
        reload();
    }

    @Test
    @Order(5)
    void aDatabaseRemovedByReloadRefusesNewSessionsWhileItsRunningOnesFinish() throws Exception {
        String good = Files.readString(file);
        try (Connection running = connect("app", "app-secret", "single")) {
            running.setAutoCommit(false);
            try (Statement s = running.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM stores")) {
                rs.next();
            }
            Files.writeString(file, good.replace("  single: { shards: [s1], backend_database: appdb }\n", ""));
            assertTrue(reload().getFirst().contains("databases -single"));
            assertEquals("3D000", assertThrows(SQLException.class, () -> connect("app", "app-secret", "single").close()).getSQLState());
            try (Statement s = running.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM stores")) {
                assertTrue(rs.next(), "the running session goes on");
            }
            running.commit();
            try (Statement s = running.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "and takes new transactions from its pool");
            }
        } finally {
            Files.writeString(file, good);
            reload();
        }
    }

    @Test
    @Order(6)
    void aListenAddressChangeNeedsARestartAndTheRestIsApplied() throws Exception {
        String good = Files.readString(file);
        try {
            Files.writeString(file, good.replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:1\nstate_dir: elsewhere")
                    .replace("  app: { password: \"app-secret\" }", "  app: { password: \"app-secret\" }\n  dave: { password: \"dave-secret\" }"));
            List<String> status = reload();
            assertTrue(status.stream().anyMatch(s -> s.startsWith("not applied: listen changed") && s.contains("restart")), status.toString());
            assertTrue(status.stream().anyMatch(s -> s.startsWith("not applied: state_dir changed") && s.contains("restart")), status.toString());
            connect("dave", "dave-secret", "shop").close();
        } finally {
            Files.writeString(file, good);
            reload();
        }
    }

    /**
     * Without a metadata store the file's bucket maps are the seed of this instance's: a table the
     * reload adds gets its file's map, a bucket moved in the console stays moved through a reload of
     * the same file (which reads as unchanged), and the file's map does not undo it.
     */
    @Test
    @Order(9)
    void aBucketMovedInTheConsoleStaysMovedThroughAReloadOfTheSameFile() throws Exception {
        String before = Files.readString(file);
        String withTokens = before.replace("      stores: {", "      tokens: { key: id, function: hash, type: integer, buckets: 6 }\n"
                + "      stores: {");
        int key = 0;
        while (PgHash.remainder(new KeyValue.Int(++key), 6) != 1) {
            // a key in bucket 1 of 6, on s1
        }
        String select = "SELECT * FROM tokens WHERE id = " + key;
        try {
            Files.writeString(file, withTokens);
            assertTrue(reload().getFirst().contains("~shop"));
            try (Connection c = connect("app", "app-secret", "shop")) {
                assertEquals("s1 | shard key of tokens; bucket 1 of 6", route(c, select));
            }
            try (Connection console = connect("ops", "ops-secret", "pgsteer"); Statement s = console.createStatement();
                 ResultSet rs = s.executeQuery("SET BUCKET 1 OF tokens TO s0")) {
                assertTrue(rs.next());
                assertEquals("bucket 1 of 6 from s1 to s0", rs.getString("done"));
            }
            assertTrue(reload().getFirst().endsWith("nothing changed"), "the same file, the moved bucket in force");
            try (Connection c = connect("app", "app-secret", "shop")) {
                assertEquals("s0 | shard key of tokens; bucket 1 of 6", route(c, select));
            }
        } finally {
            Files.writeString(file, before);
            reload();
        }
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        throw new AssertionError("no line with " + part);
    }

    /**
     * SIGHUP to the packaged jar, as an operator sends it: {@code kill -HUP PID}. The jar runs under
     * {@code env --default-signal=HUP}: a build started under nohup hands its children SIGHUP ignored,
     * and the JVM keeps an ignored signal ignored (the next test).
     */
    @Test
    @Order(7)
    void sighupReloadsTheFileOfTheJar() throws Exception {
        Path own = dir.resolve("jar.yaml");
        Files.writeString(own, JAR_YAML.formatted("", shards.getFirst().url()));
        try (JarProcess jar = JarProcess.start(own, "--default-signal=HUP")) {
            Files.writeString(own, JAR_YAML.formatted("  erin: { password: \"erin-secret\" }\n", shards.getFirst().url()));
            jar.hangUp();
            jar.awaitLine(l -> l.contains("applied"));
            assertTrue(jar.output().stream().anyMatch(l -> l.contains("reload of " + own + ": applied") && l.contains("users +erin")),
                    jar.printed());
            try (Connection erin = DriverManager.getConnection(Pgjdbc.url(jar.port(), "appdb"), "erin", "erin-secret");
                 ResultSet rs = erin.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
            assertTrue(jar.process().isAlive(), "SIGHUP does not stop pgsteer");
        }
    }

    /** Started with SIGHUP ignored (as nohup starts it), pgsteer says at start that SIGHUP will not reload, and lives on. */
    @Test
    @Order(8)
    void aProcessStartedWithSighupIgnoredSaysSo() throws Exception {
        Path own = dir.resolve("nohup.yaml");
        Files.writeString(own, JAR_YAML.formatted("", shards.getFirst().url()));
        try (JarProcess jar = JarProcess.start(own, "--ignore-signal=HUP")) {
            assertTrue(jar.output().stream().anyMatch(l -> l.contains("SIGHUP is ignored in this process")
                    && l.contains("RELOAD")), jar.printed());
            jar.hangUp();
            Thread.sleep(300);
            assertTrue(jar.process().isAlive(), "an ignored SIGHUP does not stop pgsteer");
        }
    }

    private static final String JAR_YAML = """
            listen: 127.0.0.1:0
            http: off
            users:
              app: { password: "app-secret" }
            %sbackends:
              main: { url: "%s" }
            databases:
              appdb: { shards: [main] }
            """;

    /** The packaged jar run as its own process under GNU {@code env} with a signal option, its output collected. */
    private record JarProcess(Process process, int port, List<String> output) implements AutoCloseable {

        static JarProcess start(Path config, String envSignalOption) throws Exception {
            Path jar = Path.of("target", "pgsteer.jar").toAbsolutePath();
            assertTrue(Files.exists(jar), "the package phase builds " + jar);
            Process probe = new ProcessBuilder("env", envSignalOption, "true").redirectErrorStream(true).start();
            assertEquals(0, probe.waitFor(), "this test needs GNU env (coreutils 8.31 or later) for " + envSignalOption);
            String java = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder("env", envSignalOption, java, "-jar", jar.toString(), "--config", config.toString())
                    .redirectErrorStream(true).start();
            List<String> output = new CopyOnWriteArrayList<>();
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("pgsteer listening on 127\\.0\\.0\\.1:(\\d+)");
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (port < 0 && System.nanoTime() < deadline && (line = lines.readLine()) != null) {
                output.add(line);
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            JarProcess started = new JarProcess(process, port, output);
            if (port < 0) {
                started.close();
            }
            assertTrue(port > 0, "pgsteer started:\n" + String.join("\n", output));
            Thread drain = new Thread(() -> lines.lines().forEach(output::add));
            drain.setDaemon(true);
            drain.start();
            return started;
        }

        void hangUp() throws Exception {
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
        }

        void awaitLine(Predicate<String> wanted) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until && output.stream().noneMatch(wanted)) {
                Thread.sleep(50);
            }
        }

        String printed() {
            return String.join("\n", output);
        }

        @Override
        public void close() throws InterruptedException {
            // env execs java: the pid is the JVM's own.
            process.toHandle().destroy();
            process.waitFor(15, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }
}
