package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.ClientTool;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.io.StringReader;
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
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * {@code function: directory} through pgsteer with pgjdbc: three real shards, a real metadata store
 * holding the key directory, keys assigned on the admin console. accounts and invoices share group
 * tenants (unknown keys refused); events places unknown devices on s2.
 */
class DirectoryShardingIT {
    static final String TABLES = """
                  accounts: { key: tenant_id, function: directory, group: tenants }
                  invoices: { key: tenant_id, function: directory, group: tenants }
                  events:   { key: device, function: directory, unknown: { shard: s2 } }
            """;

    static EmbeddedBackend meta;
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        meta = EmbeddedBackend.start();
        cluster = ShardedCluster.withTables(TABLES, "metadata_store: { url: \"" + meta.url() + "\" }\n");
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (tenant_id text NOT NULL, name text, PRIMARY KEY (tenant_id))");
            s.execute("CREATE TABLE invoices (tenant_id text NOT NULL, id int, amount int, PRIMARY KEY (tenant_id, id))");
            s.execute("CREATE TABLE events (device int NOT NULL, what text)");
        }
        try (Connection console = console(cluster.proxy)) {
            items(console, "ASSIGN KEY 'acme' OF tenants TO s1");
            items(console, "ASSIGN KEY 'globex' OF tenants TO s2");
            items(console, "ASSIGN KEY 'initech' OF tenants TO s0");
            items(console, "ASSIGN KEY '7' OF events TO s0");
        }
        try (Connection c = cluster.connect();
             PreparedStatement account = c.prepareStatement("INSERT INTO accounts (tenant_id, name) VALUES (?, ?)");
             PreparedStatement invoice = c.prepareStatement("INSERT INTO invoices (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            for (String tenant : List.of("acme", "globex", "initech")) {
                account.setString(1, tenant);
                account.setString(2, tenant.toUpperCase());
                account.executeUpdate();
                for (int i = 1; i <= 5; i++) {
                    invoice.setString(1, tenant);
                    invoice.setInt(2, i);
                    invoice.setInt(3, i * 100);
                    invoice.executeUpdate();
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
        meta.close();
    }

    static Connection console(PgSteerServer proxy) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), "ops", "app-secret");
    }

    static Connection shop(PgSteerServer proxy) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        return DriverManager.getConnection(Pgjdbc.url(proxy, "shop"), props);
    }

    /** Each row's columns joined by a space. */
    static List<String> items(Connection c, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i > 1 ? " " : "").append(rs.getString(i));
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    @Test
    void everyTenantsRowsAreOnItsShardAndOnlyThere() throws SQLException {
        assertEquals(List.of("initech 5"), items(cluster.shard(0), "SELECT tenant_id, count(*) FROM invoices GROUP BY 1"));
        assertEquals(List.of("acme 5"), items(cluster.shard(1), "SELECT tenant_id, count(*) FROM invoices GROUP BY 1"));
        assertEquals(List.of("globex 5"), items(cluster.shard(2), "SELECT tenant_id, count(*) FROM invoices GROUP BY 1"));
        assertEquals(List.of("acme"), items(cluster.shard(1), "SELECT tenant_id FROM accounts"));
    }

    @Test
    void readsByKeyGoToTheKeysShardAndJoinTheGroupShardByShard() throws SQLException {
        try (Connection c = cluster.connect()) {
            assertEquals(List.of("s1 one shard key of accounts, invoices"), items(c, "EXPLAIN ROUTE SELECT * FROM accounts a "
                    + "JOIN invoices i ON i.tenant_id = a.tenant_id WHERE a.tenant_id = 'acme'"));
            assertEquals(List.of("GLOBEX 1500"), items(c, "SELECT a.name, sum(i.amount) FROM accounts a JOIN invoices i "
                    + "ON i.tenant_id = a.tenant_id WHERE a.tenant_id = 'globex' GROUP BY a.name"));
            try (PreparedStatement byKey = c.prepareStatement("SELECT count(*) FROM invoices WHERE tenant_id = ?")) {
                byKey.setString(1, "initech");
                try (ResultSet rs = byKey.executeQuery()) {
                    rs.next();
                    assertEquals(5, rs.getInt(1));
                }
            }
            assertEquals(List.of("15"), items(c, "SELECT count(*) FROM invoices"));
        }
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKeyAndTheFix() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate(
                    "INSERT INTO accounts (tenant_id, name) VALUES ('zeta', 'Z')"));
            assertEquals("23514", e.getSQLState());
            assertTrue(e.getMessage().contains("tenant_id = 'zeta'") && e.getMessage().contains("ASSIGN KEY 'zeta' OF tenants"),
                    e.getMessage());
        }
        try (Connection console = console(cluster.proxy)) {
            assertEquals(List.of("shop tenants zeta null unknown key: refuse"), items(console, "SHOW KEY 'zeta' OF tenants"));
        }
    }

    @Test
    void anUnknownDeviceGoesToTheTablesDefaultShard() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            assertEquals(2, s.executeUpdate("INSERT INTO events (device, what) VALUES (7, 'known'), (8, 'unknown')"));
        }
        assertEquals(List.of("7 known"), items(cluster.shard(0), "SELECT device, what FROM events"));
        assertEquals(List.of("8 unknown"), items(cluster.shard(2), "SELECT device, what FROM events"));
    }

    @Test
    void assigningAKeyWhoseRowsAreElsewhereIsRefusedUnlessForced() throws SQLException {
        try (Connection console = console(cluster.proxy)) {
            SQLException e = assertThrows(SQLException.class, () -> items(console, "ASSIGN KEY 'acme' OF tenants TO s2"));
            assertEquals("55000", e.getSQLState());
            assertTrue(e.getMessage().contains("has rows on shard s1 (in accounts, invoices)"), e.getMessage());
            assertEquals(List.of("shop tenants acme s1 directory"), items(console, "SHOW KEY 'acme' OF tenants"));
            // A key with no rows moves freely; FORCE assigns even one with rows.
            items(console, "ASSIGN KEY 'soylent' OF tenants TO s0");
            assertEquals(List.of("shop tenants soylent s2 s0"), items(console, "ASSIGN KEY 'soylent' OF tenants TO s2"));
            assertEquals(List.of("shop tenants soylent s0 s2"), items(console, "ASSIGN KEY 'soylent' OF tenants TO s0 FORCE"));
        }
    }

    @Test
    void keysAssignedFromAFileAreRoutedAndListed() throws Exception {
        Path file = Files.createTempFile("keys", ".csv");
        Files.writeString(file, "# key,shard\nwayne,s0\n'stark',s1\numbrella,s2\n");
        try (Connection console = console(cluster.proxy)) {
            items(console, "ASSIGN KEYS FROM '" + file + "' OF tenants");
            // Each row is database, group, key, shard and the version that assigned it: the file's keys share one.
            List<String> keys = items(console, "SHOW KEYS OF tenants").stream()
                    .map(row -> row.substring(0, row.lastIndexOf(' '))).toList();
            assertTrue(keys.containsAll(List.of("shop tenants stark s1", "shop tenants umbrella s2", "shop tenants wayne s0")),
                    keys.toString());
        }
        try (Connection c = cluster.connect()) {
            assertEquals(List.of("s1 one shard key of accounts"), items(c, "EXPLAIN ROUTE SELECT * FROM accounts WHERE tenant_id = 'stark'"));
        }
    }

    @Test
    void keysCopiedIntoTheConsoleAreAssignedInOneChange() throws Exception {
        try (Connection console = console(cluster.proxy)) {
            CopyManager copy = new CopyManager(console.unwrap(BaseConnection.class));
            long copied = copy.copyIn("COPY KEYS OF tenants IN shop FROM STDIN",
                    new StringReader("cyberdyne\ts2\ntyrell\ts0\n"));
            assertEquals(2, copied);
            assertEquals(List.of("shop tenants tyrell s0 directory"), items(console, "SHOW KEY 'tyrell' OF tenants"));
            // A bad row fails the whole COPY, and the console goes on.
            SQLException e = assertThrows(SQLException.class, () -> copy.copyIn("COPY KEYS OF tenants FROM STDIN",
                    new StringReader("oscorp\ts1\nmassive\ts9\n")));
            assertEquals("42704", e.getSQLState(), e.getMessage());
            assertEquals(List.of("shop tenants oscorp null unknown key: refuse"), items(console, "SHOW KEY 'oscorp' OF tenants"));
        }
        try (Connection c = cluster.connect()) {
            assertEquals(List.of("s2 one shard key of accounts"),
                    items(c, "EXPLAIN ROUTE SELECT * FROM accounts WHERE tenant_id = 'cyberdyne'"));
        }
    }

    @Test
    void psqlCopiesKeysFromAFile() throws Exception {
        ClientTool psql = ClientTool.require("psql");
        Path file = Files.createTempFile("keys", ".tsv");
        Files.writeString(file, "wonka\ts1\nacme-west\ts2\n");
        String url = "postgresql://ops:app-secret@127.0.0.1:" + cluster.proxy.address().getPort() + "/pgsteer";
        Process copy = new ProcessBuilder(psql.binary().toString(), url, "-v", "ON_ERROR_STOP=1", "-c",
                "COPY KEYS OF tenants FROM STDIN").redirectInput(file.toFile()).redirectErrorStream(true).start();
        String out = new String(copy.getInputStream().readAllBytes());
        assertEquals(0, copy.waitFor(), out);
        assertTrue(out.contains("COPY 2"), out);
        // psql's \copy names no group: with two groups in the file, the console says which fit.
        Process slash = new ProcessBuilder(psql.binary().toString(), url, "-c", "\\copy keys from '" + file + "'")
                .redirectErrorStream(true).start();
        String said = new String(slash.getInputStream().readAllBytes());
        slash.waitFor();
        assertTrue(said.contains("several directory groups fit: tenants IN shop, events IN shop"), said);
        try (Connection console = console(cluster.proxy)) {
            assertEquals(List.of("shop tenants acme-west s2 directory"), items(console, "SHOW KEY 'acme-west' OF tenants"));
        }
    }

    @Test
    void aChangeThroughOneInstanceIsRoutedByAnotherWithinASecond() throws Exception {
        try (PgSteerServer second = new PgSteerServer(cluster.config())
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("second.log")).start()) {
            try (Connection console = console(cluster.proxy)) {
                items(console, "ASSIGN KEY 'hooli' OF tenants TO s0");
            }
            String route = "s0";
            try (Connection c = shop(second)) {
                // The second instance caches hooli on s0 (loaded or looked up) ...
                awaitRoute(c, "hooli", "s0");
            }
            try (Connection console = console(cluster.proxy)) {
                items(console, "ASSIGN KEY 'hooli' OF tenants TO s1");
            }
            long changed = System.nanoTime();
            try (Connection c = shop(second)) {
                // ... and routes it to s1 once the change reaches it.
                route = awaitRoute(c, "hooli", "s1");
            }
            long tookMs = (System.nanoTime() - changed) / 1_000_000;
            System.out.println("DirectoryShardingIT: the second instance routed hooli to s1 " + tookMs + " ms after ASSIGN KEY");
            assertEquals("s1", route);
            assertTrue(tookMs < 1000, "the second instance saw the change after " + tookMs + " ms");
            try (Connection c = shop(second); Statement s = c.createStatement()) {
                assertEquals(1, s.executeUpdate("INSERT INTO accounts (tenant_id, name) VALUES ('hooli', 'H')"));
            }
            assertEquals(List.of("hooli"), items(cluster.shard(1), "SELECT tenant_id FROM accounts WHERE tenant_id = 'hooli'"));
        }
    }

    /** Where {@code tenant}'s accounts are routed, asked until it is {@code expected} or five seconds pass. */
    private static String awaitRoute(Connection c, String tenant, String expected) throws Exception {
        long until = System.nanoTime() + 5_000_000_000L;
        String shard;
        do {
            shard = items(c, "EXPLAIN ROUTE SELECT * FROM accounts WHERE tenant_id = '" + tenant + "'").getFirst().split(" ")[0];
            if (!shard.equals(expected)) {
                Thread.sleep(10);
            }
        } while (!shard.equals(expected) && System.nanoTime() < until);
        return shard;
    }
}
