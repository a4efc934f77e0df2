package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged pgsteer killed in the middle of a two-shard commit (the JVM halts at the step, as
 * kill -9 would stop it), then started again: both shards end up agreeing, committed if the decision
 * was on disk (the local log in {@code state_dir}, without a metadata store), rolled back if not.
 */
class TwoPhaseCommitCrashIT {
    private static final Pattern LISTENING = Pattern.compile("pgsteer listening on 127\\.0\\.0\\.1:(\\d+)");
    static List<EmbeddedBackend> shards = new ArrayList<>();

    @TempDir
    Path work;

    @BeforeAll
    static void startShards() {
        shards.add(EmbeddedBackend.shard());
        shards.add(EmbeddedBackend.shard());
        for (EmbeddedBackend shard : shards) {
            try (Connection c = shard.direct(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance int)");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @AfterAll
    static void stopShards() throws Exception {
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
    }

    @BeforeEach
    void empty() throws SQLException {
        for (EmbeddedBackend shard : shards) {
            try (Connection c = shard.direct(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM accounts");
            }
        }
    }

    @Test
    void aCrashBeforeTheDecisionRollsBackOnEveryShard() throws Exception {
        transferAndCrash("prepared");
        assertEquals(List.of(2, 0), preparedAndRows(), "both shards hold a prepared transaction, no rows");
        try (Proxy again = Proxy.start(config(), work, "")) {
            assertEquals(List.of(0, 0), preparedAndRows(), "rolled back on both at the next start");
        }
    }

    @Test
    void aCrashAfterTheDecisionCommitsOnEveryShard() throws Exception {
        transferAndCrash("decided");
        assertEquals(List.of(2, 0), preparedAndRows(), "both shards hold a prepared transaction, no rows yet");
        try (Proxy again = Proxy.start(config(), work, "")) {
            assertEquals(List.of(0, 2), preparedAndRows(), "committed on both at the next start");
        }
        assertTrue(Files.exists(work.resolve("state").resolve("pgsteer-decisions.log")), "the log is in state_dir");
        assertTrue(Files.notExists(work.resolve("pgsteer-decisions.log")), "not in the working directory");
    }

    private void transferAndCrash(String step) throws Exception {
        try (Proxy proxy = Proxy.start(config(), work, step);
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port + "/bank?socketTimeout=20",
                     "app", "app-secret");
             Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            long other = 2;
            while (shardOf(other) == shardOf(1)) {
                other++;
            }
            s.executeUpdate("INSERT INTO accounts (id, balance) VALUES (1, 100)");
            s.executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + other + ", 100)");
            assertThrows(SQLException.class, c::commit, "the proxy dies during the commit");
            assertTrue(proxy.process.waitFor(10, TimeUnit.SECONDS), "the proxy halted at " + step);
        }
    }

    private static int shardOf(long id) {
        return dev.pgsteer.router.shard.PgHash.remainder(
                dev.pgsteer.router.shard.KeyValue.ofText(dev.pgsteer.config.KeyType.INTEGER, Long.toString(id)), 2);
    }

    /** Prepared transactions and rows of accounts, summed over both shards. */
    private static List<Integer> preparedAndRows() throws SQLException {
        int prepared = 0;
        int rows = 0;
        for (EmbeddedBackend shard : shards) {
            try (Connection c = shard.direct(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM pg_prepared_xacts), (SELECT count(*) FROM accounts)")) {
                rs.next();
                prepared += rs.getInt(1);
                rows += rs.getInt(2);
            }
        }
        return List.of(prepared, rows);
    }

    private Path config() throws Exception {
        Path file = work.resolve("bank.yaml");
        Files.writeString(file, """
                listen: 127.0.0.1:0
                state_dir: state
                users:
                  app: { password: app-secret }
                backends:
                  a: { url: "%s" }
                  b: { url: "%s" }
                databases:
                  bank:
                    shards: [a, b]
                    tables:
                      accounts: { key: id, function: hash }
                """.formatted(shards.get(0).url(), shards.get(1).url()));
        return file;
    }

    private record Proxy(Process process, int port) implements AutoCloseable {
        static Proxy start(Path config, Path workDir, String crashAt) throws Exception {
            Path jar = Path.of("target", "pgsteer.jar").toAbsolutePath();
            String java = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder(java, "-Dpgsteer.crashAt=" + crashAt, "-jar", jar.toString(), "--config", config.toString())
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
                    return new Proxy(process, Integer.parseInt(m.group(1)));
                }
            }
            throw new AssertionError("pgsteer did not start:\n" + String.join("\n", output));
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
