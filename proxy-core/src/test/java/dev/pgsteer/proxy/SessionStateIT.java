package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.ProxyConfigs;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a session sets stays with the session, whichever backend connection serves its next transaction. */
class SessionStateIT {
    static EmbeddedBackend backend;
    static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(ProxyConfigs.inFrontOf(backend.url(), """
                appdb: { shards: [main], pool: { mode: transaction, size: 3 } }
                sessiondb: { shards: [main], backend_database: appdb, pool: { mode: session, size: 3 } }
                """)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static Connection connect(String database) throws SQLException {
        return Pgjdbc.connect(proxy, database, "prepareThreshold=0");
    }

    static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    @Test
    void reportedSettingsFollowTheSessionAcrossPooledConnections() throws Exception {
        try (Connection a = connect("appdb"); Connection b = connect("appdb"); Connection c = connect("appdb");
             Statement sa = a.createStatement(); Statement sb = b.createStatement(); Statement sc = c.createStatement()) {
            sa.execute("SET application_name = 'alpha'");
            sb.execute("SET TimeZone = 'Asia/Tokyo'");
            for (int round = 0; round < 10; round++) {
                // Interleaved transactions take whichever connection is free; each still sees its own settings.
                assertEquals("alpha", show(sa, "application_name"));
                assertEquals("Asia/Tokyo", show(sb, "TimeZone"));
                assertEquals("", show(sc, "application_name").replace("PostgreSQL JDBC Driver", ""));
                assertEquals("UTC", show(sc, "TimeZone").replace("Etc/UTC", "UTC"));
            }
        }
    }

    @Test
    void anUnreportedSettingFollowsItsSessionAndNoOther() throws Exception {
        String defaultWorkMem;
        try (Connection direct = backend.direct(); Statement s = direct.createStatement()) {
            defaultWorkMem = show(s, "work_mem");
        }
        try (Connection pinned = connect("appdb"); Connection other = connect("appdb");
             Statement sp = pinned.createStatement(); Statement so = other.createStatement()) {
            sp.execute("SET work_mem = '7MB'");
            for (int round = 0; round < 5; round++) {
                assertEquals("7MB", show(sp, "work_mem"));
                assertEquals(defaultWorkMem, show(so, "work_mem"));
            }
        }
        // The session's work_mem went with it: nobody inherits it from the connections it used.
        try (Connection next = connect("appdb"); Connection next2 = connect("appdb"); Connection next3 = connect("appdb")) {
            for (Connection c : new Connection[] {next, next2, next3}) {
                try (Statement s = c.createStatement()) {
                    s.execute("BEGIN");
                    assertEquals(defaultWorkMem, show(s, "work_mem"));
                }
            }
        }
    }

    @Test
    void temporaryTablesAndAdvisoryLocksPinTheirSessionAndLeaveWithIt() throws Exception {
        try (Connection owner = connect("appdb"); Connection other = connect("appdb"); Connection third = connect("appdb");
             Statement so = owner.createStatement(); Statement sx = other.createStatement(); Statement st = third.createStatement()) {
            so.execute("CREATE TEMP TABLE mine (v int)");
            so.execute("SELECT pg_advisory_lock(4242)");
            for (int round = 0; round < 5; round++) {
                so.execute("INSERT INTO mine VALUES (" + round + ")");
                // Other sessions keep moving between the remaining connections.
                assertTrue(sx.executeQuery("SELECT 1").next());
                assertTrue(st.executeQuery("SELECT 1").next());
            }
            try (ResultSet rs = so.executeQuery("SELECT count(*) FROM mine")) {
                rs.next();
                assertEquals(5, rs.getInt(1));
            }
            try (ResultSet rs = sx.executeQuery("SELECT pg_try_advisory_lock(4242)")) {
                rs.next();
                assertEquals(false, rs.getBoolean(1), "the lock is held by the owner's session");
            }
        }
        // Gone with the session: the connection went back through DISCARD ALL.
        try (Connection direct = backend.direct(); Statement s = direct.createStatement()) {
            boolean released = false;
            for (int attempt = 0; attempt < 50 && !released; attempt++) {
                try (ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(4242), (SELECT count(*) FROM pg_class WHERE relname = 'mine')")) {
                    rs.next();
                    released = rs.getBoolean(1) && rs.getInt(2) == 0;
                }
                if (!released) {
                    s.execute("SELECT pg_advisory_unlock_all()");
                    Thread.sleep(100);
                }
            }
            assertTrue(released, "advisory lock released and temporary table dropped after the session ended");
        }
    }

    @Test
    void sessionPoolingKeepsOneConnectionForTheWholeSession() throws Exception {
        try (Connection c = connect("sessiondb"); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE scratch (v int)");
            s.execute("INSERT INTO scratch VALUES (1)");
            int pid;
            try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            for (int i = 0; i < 5; i++) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), pg_backend_pid() FROM scratch")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1));
                    assertEquals(pid, rs.getInt(2));
                }
            }
        }
    }
}
