package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * MOVE TENANT of tenants with a database of their own ({@code MODE database}), over two real shards
 * (wal_level = logical) and a real metadata store, with two pgsteer instances (a and b) on it. initech's
 * database (two schemas, a serial, a table without a key) moves from s0 to s1 under writes of its own
 * sessions through both instances while hooli, another database tenant on s0, writes beside it: checked
 * against a ledger of acknowledged writes (none lost or duplicated, failures only 40001/55P03), the
 * database on s1 with every row and gone from s0, hooli never failing. Then a move cancelled mid-copy
 * leaves its source authoritative and no database on the target; a move whose instance stops mid-copy
 * is finished by another; a move onto a server with a database of the tenant's name fails, leaving
 * that database alone; and a tenant with a role of its own moves with its role and grants.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseTenantMoveIT {
    static EmbeddedBackend meta;
    static final List<EmbeddedBackend> shards = new ArrayList<>();
    static PgSteerServer a;
    static PgSteerServer b;

    @BeforeAll
    static void start() throws Exception {
        meta = EmbeddedBackend.start();
        for (int i = 0; i < 2; i++) {
            EmbeddedBackend shard = EmbeddedBackend.start(0, Map.of("max_prepared_transactions", "20", "wal_level", "logical"));
            try (Connection c = shard.admin(); Statement s = c.createStatement()) {
                s.execute("ALTER ROLE app REPLICATION CREATEDB CREATEROLE");
                s.execute("GRANT pg_create_subscription TO app");
            }
            shards.add(shard);
        }
        a = proxy();
        b = proxy();
        try (Connection console = MoveTenantIT.console(a); Statement s = console.createStatement()) {
            s.execute("CREATE TENANT initech MODE database ON s0 IN saas NO ROLE");
            s.execute("CREATE TENANT hooli MODE database ON s0 IN saas NO ROLE");
        }
        for (String tenant : List.of("initech", "hooli")) {
            try (Connection c = MoveTenantIT.tenant(a, tenant); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
                s.execute("CREATE TABLE tags (note int NOT NULL, tag text NOT NULL)");   // no key: FULL for the move
                s.execute("CREATE SCHEMA extra");
                s.execute("CREATE TABLE extra.events (id serial PRIMARY KEY, note int, kind text)");
                s.executeUpdate("INSERT INTO notes SELECT g, 'seed ' || g FROM generate_series(1, 200) g");
                s.executeUpdate("INSERT INTO tags SELECT id, 't' || id FROM notes");
                s.executeUpdate("INSERT INTO extra.events (note, kind) SELECT id, 'seed' FROM notes");
            }
        }
    }

    /** saas is sharded (online moves run for sharded databases); its tenants here have databases of their own. */
    static PgSteerServer proxy() throws Exception {
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < shards.size(); i++) {
            backends.append("  s").append(i).append(": { url: \"").append(shards.get(i).url()).append("\" }\n");
        }
        String yaml = """
                listen: 127.0.0.1:0
                metadata_store: { url: "%s", node_timeout: 1500ms }
                users:
                  app: { password: "app-secret" }
                  ops: { password: "ops-secret", admin: true }
                backends:
                %sdatabases:
                  saas:
                    shards: [s0, s1]
                    backend_database: appdb
                    pool: { size: 8 }
                    tenancy: { setting: app.tenant_id, directory: tenants }
                    tables:
                      projects: { key: tenant_id, function: directory, group: tenants }
                """.formatted(meta.url(), backends);
        return new PgSteerServer(ConfigLoader.parse(yaml, "saas.yaml", Map.of()))
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : List.<AutoCloseable>of(a, b)) {
            if (c != null) {
                c.close();
            }
        }
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
        meta.close();
    }

    /** app's connection to {@code database} on shard {@code shard}, past pgsteer. */
    static Connection direct(int shard, String database) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(shards.get(shard).port(), database), "app", "app-secret");
    }

    static boolean hasDatabase(int shard, String database) throws SQLException {
        try (Connection c = shards.get(shard).direct(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + database + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    static String one(int shard, String database, String sql) throws SQLException {
        try (Connection c = direct(shard, database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static long count(int shard, String database, String sql) throws SQLException {
        try (Connection c = direct(shard, database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Publications, subscriptions, slots, fences and half-made or still marked databases of moves left on
     * {@code shard}, in its own and the tenants' databases.
     */
    static List<String> leftovers(int shard, List<String> databases) throws SQLException {
        List<String> left = new ArrayList<>();
        try (Connection c = shards.get(shard).direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT 'slot ' || slot_name FROM pg_replication_slots UNION ALL SELECT 'subscription ' || subname FROM pg_subscription"
                        + " UNION ALL SELECT 'database ' || datname FROM pg_database WHERE datname LIKE 'pgsteer_move%'"
                        + " UNION ALL SELECT 'comment on ' || datname FROM pg_database"
                        + " WHERE shobj_description(oid, 'pg_database') LIKE 'pgsteer move%'")) {
            while (rs.next()) {
                left.add(rs.getString(1));
            }
        }
        for (String database : databases) {
            if (!hasDatabase(shard, database)) {
                continue;
            }
            try (Connection c = direct(shard, database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT 'publication ' || pubname FROM pg_publication UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger"
                            + " WHERE tgname LIKE 'pgsteer_move%' UNION ALL SELECT 'function ' || proname FROM pg_proc"
                            + " WHERE proname LIKE 'pgsteer_move%' UNION ALL SELECT 'identity ' || relname FROM pg_class"
                            + " WHERE relname = 'tags' AND relreplident <> 'd'")) {
                while (rs.next()) {
                    left.add(database + ": " + rs.getString(1));
                }
            }
        }
        return left;
    }

    @Test
    @Order(1)
    void aDatabaseTenantMovesUnderItsWritesThroughTwoInstancesAndOthersAreNeverHeld() throws Exception {
        String insert = "INSERT INTO notes (id, body) VALUES (?, 'w')";
        String tag = "INSERT INTO tags (note, tag) VALUES (?, 'w')";
        String delete = "WITH n AS (DELETE FROM notes WHERE id = ? RETURNING id) DELETE FROM tags WHERE note IN (SELECT id FROM n)";
        MoveTenantIT.Workload initech = MoveTenantIT.Workload.start("initech", List.of(a, b), 4, insert, tag, delete);
        MoveTenantIT.Workload hooli = MoveTenantIT.Workload.start("hooli", List.of(a, b), 2, insert, tag, delete);
        Thread.sleep(300);
        long id = MoveTenantIT.move(b, "MOVE TENANT initech TO s1");
        Map<String, String> done = MoveTenantIT.await(a, id, Duration.ofSeconds(120), "done", "failed", "cancelled");
        Thread.sleep(300);
        initech.stop();
        hooli.stop();
        assertEquals("done", done.get("phase"), done.toString());
        assertEquals("tenant initech (database initech)", done.get("what"));
        initech.assertOnlyRetryableFailures("initech");
        assertEquals(Map.of(), hooli.failures(), "hooli never failed");
        assertTrue(!hasDatabase(0, "initech"), "initech's database left s0");
        Set<Integer> notes = new HashSet<>();
        Map<Integer, Integer> tags = new HashMap<>();
        try (Connection c = direct(1, "initech"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id FROM notes")) {
                while (rs.next()) {
                    assertTrue(notes.add(rs.getInt(1)), "note " + rs.getInt(1) + " twice");
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT note FROM tags")) {
                while (rs.next()) {
                    tags.merge(rs.getInt(1), 1, Integer::sum);
                }
            }
        }
        for (List<String> row : initech.present()) {
            int note = Integer.parseInt(row.getFirst());
            assertTrue(notes.contains(note), "acknowledged note " + row + " lost");
            assertEquals(1, tags.getOrDefault(note, 0), "the tag of acknowledged note " + row);
        }
        assertEquals(200 + initech.present().size(), notes.size(), "the seed notes and the ledger's");
        assertEquals(notes, tags.keySet(), "a tag for each note, none for a deleted one");
        assertEquals(200, count(1, "initech", "SELECT count(*) FROM extra.events"), "the other schema's rows");
        // Its sessions reach it on s1 through both instances, and its serial goes on after the copied rows' numbers.
        for (PgSteerServer proxy : List.of(a, b)) {
            try (Connection c = MoveTenantIT.tenant(proxy, "initech"); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), current_setting('port') FROM notes")) {
                    rs.next();
                    assertEquals(notes.size(), rs.getLong(1));
                    assertEquals(String.valueOf(shards.get(1).port()), rs.getString(2), "initech's sessions reach s1");
                }
                s.executeUpdate("INSERT INTO extra.events (note, kind) VALUES (1, 'after the move')");
            }
        }
        try (Connection c = MoveTenantIT.console(a); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW TENANTS")) {
            boolean seen = false;
            while (rs.next()) {
                if (rs.getString(1).equals("initech")) {
                    seen = true;
                    assertEquals("s1", rs.getString(4), "initech's shard in SHOW TENANTS");
                }
            }
            assertTrue(seen);
        }
        // hooli stayed where it was, with its rows.
        assertEquals(200 + hooli.present().size(), count(0, "hooli", "SELECT count(*) FROM notes"));
        for (int shard = 0; shard < 2; shard++) {
            assertEquals(List.of(), leftovers(shard, List.of("initech", "hooli")), "shard s" + shard);
        }
        System.out.printf("DatabaseTenantMoveIT: database tenant initech moved (move %d, hold %s ms); %s, failures %s; hooli (never"
                + " held) %s%n", id, done.get("hold_ms"), initech.latency(), initech.failures(), hooli.latency());
    }

    @Test
    @Order(2)
    void aDatabaseMoveCancelledMidCopyLeavesTheSourceAuthoritativeAndNoDatabaseOnTheTarget() throws Exception {
        // hooli grows big enough for its copy to last.
        try (Connection c = direct(0, "hooli"); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO tags SELECT g, 'bulk' FROM generate_series(1, 1000000) g");
        }
        long tags = count(0, "hooli", "SELECT count(*) FROM tags");
        long notes = count(0, "hooli", "SELECT count(*) FROM notes");
        long id = MoveTenantIT.move(a, "MOVE TENANT hooli TO s1");
        MoveTenantIT.await(b, id, Duration.ofSeconds(30), "copying");
        try (Connection c = MoveTenantIT.console(b); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("CANCEL MOVE " + id)) {
            assertTrue(rs.next());
        }
        Map<String, String> row = MoveTenantIT.await(a, id, Duration.ofSeconds(60), "cancelled", "failed", "done");
        assertEquals("cancelled", row.get("phase"), row.toString());
        assertTrue(!hasDatabase(1, "hooli"), "no database hooli on the target");
        assertEquals(tags, count(0, "hooli", "SELECT count(*) FROM tags"), "every row where it was");
        assertEquals(notes, count(0, "hooli", "SELECT count(*) FROM notes"));
        try (Connection c = MoveTenantIT.tenant(b, "hooli"); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO notes VALUES (9999999, 'after the cancel')");
            try (ResultSet rs = s.executeQuery("SELECT current_setting('port')")) {
                rs.next();
                assertEquals(String.valueOf(shards.get(0).port()), rs.getString(1), "hooli stays on s0");
            }
        }
        for (int shard = 0; shard < 2; shard++) {
            assertEquals(List.of(), leftovers(shard, List.of("initech", "hooli")), "shard s" + shard);
        }
    }

    @Test
    @Order(3)
    void aDatabaseMoveWhoseInstanceStopsMidCopyIsCarriedOnByAnother() throws Exception {
        long tags = count(0, "hooli", "SELECT count(*) FROM tags");
        long notes = count(0, "hooli", "SELECT count(*) FROM notes");
        PgSteerServer c = proxy();
        long id;
        try {
            id = MoveTenantIT.move(c, "MOVE TENANT hooli TO s1");
            MoveTenantIT.await(a, id, Duration.ofSeconds(30), "copying");
        } finally {
            c.close();
        }
        Map<String, String> row = MoveTenantIT.await(a, id, Duration.ofSeconds(180), "done", "failed", "cancelled");
        assertEquals("done", row.get("phase"), row.toString());
        assertFalse(hasDatabase(0, "hooli"), "hooli's database left s0");
        assertEquals(tags, count(1, "hooli", "SELECT count(*) FROM tags"), "every row on s1, none lost or made");
        assertEquals(notes, count(1, "hooli", "SELECT count(*) FROM notes"));
        try (Connection t = MoveTenantIT.tenant(b, "hooli"); Statement s = t.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), current_setting('port') FROM notes")) {
            rs.next();
            assertEquals(notes, rs.getLong(1));
            assertEquals(String.valueOf(shards.get(1).port()), rs.getString(2), "hooli's sessions reach s1");
        }
        for (int shard = 0; shard < 2; shard++) {
            assertEquals(List.of(), leftovers(shard, List.of("initech", "hooli")), "shard s" + shard);
        }
    }

    @Test
    @Order(4)
    void aMoveOntoADatabaseOfTheTenantsNameFailsAndLeavesItAlone() throws Exception {
        try (Connection c = shards.get(0).admin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE hooli OWNER app");
        }
        try (Connection c = direct(0, "hooli"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE mine (v text)");
            s.execute("INSERT INTO mine VALUES ('not the tenant''s')");
        }
        long id = MoveTenantIT.move(a, "MOVE TENANT hooli TO s0");
        Map<String, String> row = MoveTenantIT.await(b, id, Duration.ofSeconds(30), "failed", "done");
        assertEquals("failed", row.get("phase"), row.toString());
        assertTrue(row.get("error").contains("has a database hooli already"), row.toString());
        assertEquals(1, count(0, "hooli", "SELECT count(*) FROM mine"), "the target's own database is still there");
        assertTrue(hasDatabase(1, "hooli"), "hooli stays on s1");
        for (int shard = 0; shard < 2; shard++) {
            assertEquals(List.of(), leftovers(shard, List.of("initech", "hooli")), "shard s" + shard);
        }
    }

    @Test
    @Order(5)
    void aDatabaseTenantWithARoleMovesWithItsRoleAndGrants() throws Exception {
        try (Connection console = MoveTenantIT.console(a); Statement s = console.createStatement()) {
            s.execute("CREATE TENANT umbrella MODE database ON s0 IN saas");
        }
        try (Connection c = MoveTenantIT.tenant(a, "umbrella"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
            s.executeUpdate("INSERT INTO notes SELECT g, 'seed ' || g FROM generate_series(1, 50) g");
        }
        // Its tables are its role's, which the backend login made (CREATEROLE) and administers: the move has it use the
        // role's rights to publish them. A role it does not administer is refused, with the fix.
        long id = MoveTenantIT.move(a, "MOVE TENANT umbrella TO s1");
        Map<String, String> row = MoveTenantIT.await(b, id, Duration.ofSeconds(60), "done", "failed", "cancelled");
        assertEquals("done", row.get("phase"), row.toString());
        assertTrue(!hasDatabase(0, "umbrella"), "umbrella's database left s0");
        try (Connection c = MoveTenantIT.tenant(b, "umbrella"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), current_user, current_setting('port') FROM notes")) {
            rs.next();
            assertEquals(50, rs.getLong(1));
            assertEquals("umbrella", rs.getString(2), "its sessions log in as its role on s1");
            assertEquals(String.valueOf(shards.get(1).port()), rs.getString(3));
        }
        try (Connection c = shards.get(1).direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT has_database_privilege('public', 'umbrella', 'CONNECT'), (SELECT pg_get_userbyid(datdba) FROM pg_database"
                        + " WHERE datname = 'umbrella')")) {
            rs.next();
            assertFalse(rs.getBoolean(1), "CONNECT is not PUBLIC's on the target either");
            assertEquals("app", rs.getString(2), "owned as on the source");
        }
        assertEquals("umbrella", one(1, "umbrella", "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'notes'"),
                "its table is its role's, as on the source");
        for (int shard = 0; shard < 2; shard++) {
            assertEquals(List.of(), leftovers(shard, List.of("umbrella")), "shard s" + shard);
        }
    }
}
