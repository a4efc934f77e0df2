package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first command of the README, as a user runs it: the packaged jar with no backend starts three
 * PostgreSQL shards itself, serves the sharded demo database as demo/demo/demo with its demo rows,
 * stops on SIGTERM within seconds, and a second start finds the data of the first. The README's "Add a
 * shard" runs on it: ADD SHARD s3 with the spare server's URL from the banner, a new tenant key placed
 * there, its ticket landing there; the second start keeps s3.
 */
class EmbeddedDefaultIT {
    private static final Pattern LISTENING = Pattern.compile("pgsteer listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern SPARE = Pattern.compile("spare server \\(in no database\\) on 127\\.0\\.0\\.1:(\\d+): on the admin "
            + "console, ADD SHARD s3 '(postgresql://127\\.0\\.0\\.1:\\d+/demo)'");

    @TempDir
    Path data;

    @Test
    void servesDemoStopsOnSigtermAndKeepsItsData() throws Exception {
        try (Running first = Running.start(data)) {
            try (Connection c = first.connect(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE customer_id = 7")) {
                    assertTrue(rs.next(), "the demo's orders are there");
                }
                try (ResultSet rs = s.executeQuery("SELECT id FROM orders")) {
                    int rows = 0;
                    while (rs.next()) {
                        rows++;
                    }
                    assertEquals(3000, rows, "orders from every shard");
                }
                try (ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 7")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getString("shards").matches("s[012]"), rs.getString("shards"));
                }
                // The directory places the big tenant on s2; the others, not in it, are hashed.
                try (ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM tickets WHERE tenant = 'umbrella'")) {
                    assertTrue(rs.next());
                    assertEquals("s2", rs.getString("shards"));
                }
                try (ResultSet rs = s.executeQuery("SELECT tenant, count(*) FROM tickets GROUP BY tenant ORDER BY tenant")) {
                    StringBuilder counts = new StringBuilder();
                    while (rs.next()) {
                        counts.append(rs.getString(1)).append('=').append(rs.getInt(2)).append(' ');
                    }
                    assertEquals("acme=6 globex=6 initech=6 umbrella=22 ", counts.toString());
                }
                s.execute("CREATE TABLE kept (v text)");
                s.execute("INSERT INTO kept VALUES ('still here')");
            }
            Matcher spare = first.awaitLine(SPARE);
            try (Connection console = first.console(); Statement s = console.createStatement()) {
                List<String> steps = new java.util.ArrayList<>();
                try (ResultSet rs = s.executeQuery("ADD SHARD s3 '" + spare.group(2) + "'")) {
                    while (rs.next()) {
                        steps.add(rs.getString("step") + ": " + rs.getString("done"));
                    }
                }
                assertTrue(steps.stream().anyMatch(l -> l.startsWith("reference rows: public.products: ")), steps.toString());
                assertEquals(List.of("s0", "s1", "s2", "s3"), demoShards(console));
                s.execute("ASSIGN KEY 'hooli' OF tenants TO s3");
            }
            try (Connection c = first.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO tickets VALUES ('hooli', 100, 'hello')");
                try (ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM tickets WHERE tenant = 'hooli'")) {
                    assertTrue(rs.next());
                    assertEquals("s3", rs.getString("shards"));
                }
            }
            try (Connection s3 = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + spare.group(1) + "/demo", "demo", "demo");
                 Statement s = s3.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT tenant FROM tickets")) {
                    assertTrue(rs.next());
                    assertEquals("hooli", rs.getString(1));
                }
                // Every server a bucket may move out of runs with the level logical replication needs.
                try (ResultSet rs = s.executeQuery("SHOW wal_level")) {
                    assertTrue(rs.next());
                    assertEquals("logical", rs.getString(1));
                }
            }
            // The same console from a shell: ./pgsteer admin "COMMAND" --admin URL.
            String admin = "postgresql://demo:demo@127.0.0.1:" + first.port() + "/pgsteer";
            Cli shown = Cli.run("admin", "SHOW SHARDS", "--admin", admin);
            assertEquals(0, shown.exit(), shown.output());
            assertTrue(shown.output().lines().anyMatch(l -> l.matches(" demo +\\| s3 +\\| 127\\.0\\.0\\.1 +\\| " + spare.group(1) + " .*")),
                    shown.output());
            assertTrue(shown.output().strip().endsWith(" rows)"), shown.output());
            Cli refused = Cli.run("admin", "ADD SHARD s3 'postgresql://127.0.0.1:1/demo'", "--admin", admin);
            assertEquals(1, refused.exit(), refused.output());
            assertTrue(refused.output().contains("database demo has a shard s3 already") && refused.output().strip().endsWith("(SQLSTATE 42710)"),
                    refused.output());
            // README "Grow from 3 to 4 shards": REBALANCE moves three of the twelve buckets to s3, rows and all,
            // as the demo's login may (REPLICATION, pg_create_subscription, a password over TCP).
            long[] before = ordersCountAndSum(first);
            Cli rebalanced = Cli.run("admin", "REBALANCE", "--admin", admin);
            assertEquals(0, rebalanced.exit(), rebalanced.output());
            assertEquals(3, rebalanced.output().lines().filter(l -> l.contains(": done, ")).count(), rebalanced.output());
            assertArrayEquals(before, ordersCountAndSum(first), "the same orders through pgsteer after the moves");
            try (Connection s3 = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + spare.group(1) + "/demo", "demo", "demo");
                 ResultSet rs = s3.createStatement().executeQuery("SELECT count(*) FROM orders")) {
                assertTrue(rs.next());
                assertTrue(rs.getLong(1) > 0, "s3 holds orders of its buckets");
            }
            // README "Move a tenant": acme, in its own schema on s0 with its own role, moves to s1 with its rows; its
            // sessions follow it, and s0 keeps nothing of it.
            Matcher ports = first.awaitLine(SHARD_PORTS);
            Cli movedTenant = Cli.run("admin", "MOVE TENANT acme TO s1", "--admin", admin);
            assertEquals(0, movedTenant.exit(), movedTenant.output());
            assertTrue(movedTenant.output().lines().anyMatch(l -> l.contains(": done, ")), movedTenant.output());
            assertEquals(List.of("1 acme rocket", "2 acme anvil"), acmeProjects(first.port()));
            for (int shard : List.of(1, 2)) {
                try (Connection direct = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + ports.group(shard) + "/saas", "demo",
                        "demo"); ResultSet rs = direct.createStatement().executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname = 'acme'")) {
                    assertTrue(rs.next());
                    assertEquals(shard == 1 ? 0 : 1, rs.getInt(1), "schema acme on s" + (shard - 1));
                }
            }
            first.stopWithSigterm();
        }
        try (Running second = Running.start(data);
             Connection c = second.connect();
             ResultSet rs = c.createStatement().executeQuery("SELECT v FROM kept")) {
            assertTrue(rs.next());
            assertEquals("still here", rs.getString(1));
            try (Connection console = second.console()) {
                assertEquals(List.of("s0", "s1", "s2", "s3"), demoShards(console));
            }
            assertTrue(second.output().stream().anyMatch(l -> l.contains("database demo -> shards s0, s1, s2, s3")),
                    String.join("\n", second.output()));
            // acme stays where it moved: the second start makes no schema for it on s0 again.
            assertEquals(List.of("1 acme rocket", "2 acme anvil"), acmeProjects(second.port()));
            second.stopWithSigterm();
        }
    }

    private static final Pattern SHARD_PORTS = Pattern.compile("embedded PostgreSQL shards on 127\\.0\\.0\\.1:(\\d+), (\\d+), (\\d+),");

    /** acme's projects through pgsteer, as its session sees them: {@code id name}. */
    private static List<String> acmeProjects(int port) throws Exception {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", "demo");
        props.setProperty("password", "demo");
        props.setProperty("options", "-c pgsteer.tenant=acme");
        List<String> rows = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/saas", props);
             ResultSet rs = c.createStatement().executeQuery("SELECT id, name FROM projects ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + " " + rs.getString(2));
            }
        }
        return rows;
    }

    @Test
    void tlsSelfSignedMakesACertificateInTheDataFolderThatClientsCanVerify() throws Exception {
        try (Running running = Running.start(data, "--tls-self-signed", "--tls-required")) {
            Path cert = data.resolve("server.crt");
            assertTrue(Files.exists(cert) && Files.exists(data.resolve("server.key")), "server.crt and server.key in " + data);
            String banner = "TLS:      required, certificate " + cert.toAbsolutePath();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (running.output().stream().noneMatch(l -> l.contains(banner)) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(running.output().stream().anyMatch(l -> l.contains(banner)), String.join("\n", running.output()));
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + running.port()
                    + "/demo?sslmode=verify-full&sslrootcert=" + cert, "demo", "demo");
                 ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM customers")) {
                assertTrue(rs.next());
            }
            java.sql.SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + running.port() + "/demo?sslmode=disable",
                            "demo", "demo"));
            assertEquals("28000", refused.getSQLState(), refused.toString());
            running.stopWithSigterm();
        }
    }

    private static long[] ordersCountAndSum(Running running) throws Exception {
        try (Connection c = running.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*), sum(amount * 100)::bigint FROM orders")) {
            assertTrue(rs.next());
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static List<String> demoShards(Connection console) throws java.sql.SQLException {
        List<String> shards = new java.util.ArrayList<>();
        try (ResultSet rs = console.createStatement().executeQuery("SHOW SHARDS")) {
            while (rs.next()) {
                if (rs.getString("database").equals("demo")) {
                    shards.add(rs.getString("shard"));
                }
            }
        }
        return shards;
    }

    /** {@code java -jar pgsteer.jar ARGS} to its end: the exit code and what it printed. */
    private record Cli(int exit, String output) {
        static Cli run(String... args) throws IOException, InterruptedException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", Path.of("target", "pgsteer.jar").toAbsolutePath()
                    .toString()));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), output);
            return new Cli(process.exitValue(), output);
        }
    }

    private record Running(Process process, int port, List<String> output, Thread drain) implements AutoCloseable {
        static Running start(Path data, String... more) throws IOException, InterruptedException {
            Path jar = Path.of("target", "pgsteer.jar").toAbsolutePath();
            assertTrue(Files.exists(jar), "the package phase builds " + jar);
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", jar.toString(), "--listen", "127.0.0.1:0",
                    "--data", data.toString()));
            command.addAll(List.of(more));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .start();
            List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (System.nanoTime() < deadline && (line = lines.readLine()) != null) {
                output.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    Thread drain = new Thread(() -> lines.lines().forEach(output::add));
                    drain.setDaemon(true);
                    drain.start();
                    return new Running(process, Integer.parseInt(m.group(1)), output, drain);
                }
            }
            process.destroyForcibly();
            throw new AssertionError("pgsteer did not start:\n" + String.join("\n", output));
        }

        Connection console() throws Exception {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/pgsteer", "demo", "demo");
        }

        /** The first line of the output {@code pattern} finds, waiting up to 10 s for it. */
        Matcher awaitLine(Pattern pattern) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            do {
                for (String line : output) {
                    Matcher m = pattern.matcher(line);
                    if (m.find()) {
                        return m;
                    }
                }
                Thread.sleep(50);
            } while (System.nanoTime() < deadline);
            throw new AssertionError("no line matches " + pattern + ":\n" + String.join("\n", output));
        }

        Connection connect() throws Exception {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/demo", "demo", "demo");
        }

        void stopWithSigterm() throws InterruptedException {
            long start = System.nanoTime();
            // Through the handle: Process.destroy() would also close our end of its output, losing the last lines.
            process.toHandle().destroy();
            assertTrue(process.waitFor(15, TimeUnit.SECONDS), "pgsteer stops within seconds of SIGTERM:\n" + String.join("\n", output));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15));
            drain.join(5000);
            assertTrue(output.stream().anyMatch(l -> l.contains("pgsteer: stopped")),
                    "exit " + process.exitValue() + ", drained " + !drain.isAlive() + ":\n" + String.join("\n", output));
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
