package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every setting a session changes follows it to whichever connection serves its next transaction,
 * and reaches no other session: two sessions share a pool of one connection and take turns with
 * SET, SET LOCAL, set_config and RESET of settings the backend reports, settings it does not report,
 * custom settings and the role. None of it pins a session. Run in the simple and the extended protocol.
 */
class SessionSettingsIT {
    static EmbeddedBackend backend;
    static PgSteerServer proxy;
    /** The backend's own value of each setting, read straight from it. */
    static final Map<String, String> defaults = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        try (Connection admin = backend.admin(); Statement s = admin.createStatement()) {
            s.execute("CREATE ROLE settings_reader");
            s.execute("GRANT settings_reader TO " + EmbeddedBackend.USER);
        }
        try (Connection direct = backend.direct(); Statement s = direct.createStatement()) {
            for (String name : List.of("IntervalStyle", "DateStyle", "TimeZone", "statement_timeout", "search_path", "work_mem",
                    "default_transaction_isolation")) {
                defaults.put(name, show(s, name));
            }
        }
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  %s: { password: "%s" }
                  ops: { password: ops, admin: true }
                backends:
                  main: { url: "%s" }
                databases:
                  %s: { shards: [main], pool: { mode: transaction, size: 1 } }
                """.formatted(EmbeddedBackend.USER, EmbeddedBackend.PASSWORD, backend.url(), EmbeddedBackend.DATABASE);
        proxy = new PgSteerServer(ConfigLoader.parse(yaml, "SessionSettingsIT.yaml", Map.of())).start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static Connection connect(String mode, String... parameters) throws SQLException {
        List<String> all = new ArrayList<>(List.of("socketTimeout=20", "preferQueryMode=" + mode));
        all.addAll(List.of(parameters));
        return Pgjdbc.connect(proxy, EmbeddedBackend.DATABASE, all.toArray(String[]::new));
    }

    static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_catalog.current_setting('" + setting + "', true)")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    static int pid(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** SHOW CLIENTS through the admin console: pinned_by of every client of the app database. */
    static List<String> pins() throws SQLException {
        List<String> pins = new ArrayList<>();
        try (Connection console = DriverManager.getConnection(Pgjdbc.url(proxy, ProxyConfig.ADMIN_DATABASE, "preferQueryMode=simple"), "ops", "ops");
             Statement s = console.createStatement(); ResultSet rs = s.executeQuery("SHOW CLIENTS")) {
            while (rs.next()) {
                if (rs.getString("database").equals(EmbeddedBackend.DATABASE)) {
                    pins.add(rs.getString("pinned") + ":" + rs.getString("pinned_by"));
                }
            }
        }
        return pins;
    }

    @ParameterizedTest(name = "{0} {1}: {2} / {3}")
    @CsvSource(delimiter = '|', textBlock = """
            simple   | IntervalStyle     | postgres_verbose | sql_standard
            extended | IntervalStyle     | postgres_verbose | iso_8601
            simple   | DateStyle         | ISO, DMY         | ISO, YMD
            extended | TimeZone          | Asia/Tokyo       | America/New_York
            simple   | statement_timeout | 5s               | 7min
            extended | statement_timeout | 5s               | 7min
            simple   | search_path       | information_schema | pg_catalog
            extended | work_mem          | 7MB              | 9MB
            simple   | app.tenant_id     | 42               | 17
            extended | app.tenant_id     | 42               | 17
            simple   | default_transaction_isolation | serializable | repeatable read
            """)
    void twoSessionsOnOneConnectionEachSeeOnlyTheirOwnSetting(String mode, String name, String mine, String theirs) throws Exception {
        String fallback = defaults.get(name);
        try (Connection a = connect(mode); Connection b = connect(mode); Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            assertEquals(pid(sa), pid(sb), "one connection serves both sessions");
            sa.execute("SET " + name + " = '" + mine + "'");
            assertEquals(unset(name, fallback), show(sb, name), "B has not set it");
            assertEquals(mine, show(sa, name));
            sb.execute("SELECT set_config('" + name + "', '" + theirs + "', false)");
            for (int round = 0; round < 3; round++) {
                assertEquals(mine, show(sa, name));
                assertEquals(theirs, show(sb, name));
            }
            // SET LOCAL ends with its transaction, in either session.
            a.setAutoCommit(false);
            sa.execute("SET LOCAL " + name + " = '" + theirs + "'");
            assertEquals(theirs, show(sa, name));
            a.commit();
            a.setAutoCommit(true);
            assertEquals(mine, show(sa, name));
            assertEquals(theirs, show(sb, name));
            b.setAutoCommit(false);
            sb.execute("SELECT set_config('" + name + "', '" + mine + "', true)");
            assertEquals(mine, show(sb, name));
            b.rollback();
            b.setAutoCommit(true);
            assertEquals(theirs, show(sb, name));
            // A SET rolled back is undone, as in PostgreSQL.
            a.setAutoCommit(false);
            sa.execute("SET " + name + " = '" + theirs + "'");
            a.rollback();
            a.setAutoCommit(true);
            assertEquals(mine, show(sa, name));
            sa.execute("RESET " + name);
            assertEquals(unset(name, fallback), show(sa, name));
            assertEquals(theirs, show(sb, name));
            assertEquals(List.of("f:null", "f:null"), pins(), "nothing pins either session");
        }
    }

    /**
     * What a session that did not set {@code name} reads. A custom setting is the exception: once any
     * session defined it on a connection, PostgreSQL keeps it defined there (empty after RESET), and
     * no statement can undefine it, so a later session reads '' where a new connection reads NULL
     * (README, Limits). Its value never passes to another session.
     */
    private static String unset(String name, String fallback) {
        return name.contains(".") ? "" : fallback;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"simple", "extended"})
    void theRoleFollowsItsSessionAndOnlyIt(String mode) throws Exception {
        try (Connection a = connect(mode); Connection b = connect(mode); Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            sa.execute("SET ROLE settings_reader");
            sb.execute("SET work_mem = '3MB'");
            for (int round = 0; round < 3; round++) {
                assertEquals("settings_reader", current(sa, "current_user"));
                assertEquals(EmbeddedBackend.USER, current(sb, "current_user"));
            }
            // Inside a transaction, as the regression suite's privileges test does: the session lives on.
            a.setAutoCommit(false);
            sa.execute("RESET ROLE");
            sa.execute("SET ROLE settings_reader");
            a.commit();
            a.setAutoCommit(true);
            assertEquals("settings_reader", current(sa, "current_user"));
            sa.execute("RESET ROLE");
            assertEquals(EmbeddedBackend.USER, current(sa, "current_user"));
            assertEquals("3MB", show(sb, "work_mem"));
            assertEquals(List.of("f:null", "f:null"), pins());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"simple", "extended"})
    void resetGoesBackToTheStartupValueAsInPostgres(String mode) throws Exception {
        try (Connection a = connect(mode, "options=-c%20statement_timeout%3D3s%20-c%20work_mem%3D4MB");
             Connection b = connect(mode); Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            assertEquals("3s", show(sa, "statement_timeout"));
            assertEquals("4MB", show(sa, "work_mem"));
            sa.execute("SET statement_timeout = '8s'");
            sa.execute("SET work_mem = '6MB'");
            assertEquals(defaults.get("statement_timeout"), show(sb, "statement_timeout"));
            sa.execute("RESET statement_timeout");
            assertEquals("3s", show(sa, "statement_timeout"));
            assertEquals("6MB", show(sa, "work_mem"), "RESET of one setting leaves the others");
            // Inside a transaction: the startup values are back within it, and the session lives on.
            a.setAutoCommit(false);
            sa.execute("SET statement_timeout = '9s'");
            sa.execute("RESET ALL");
            assertEquals("3s", show(sa, "statement_timeout"));
            a.commit();
            a.setAutoCommit(true);
            assertEquals("3s", show(sa, "statement_timeout"));
            assertEquals("4MB", show(sa, "work_mem"));
            sa.execute("SET work_mem = '5MB'");
            sa.execute("SET TimeZone = 'Asia/Tokyo'");
            sa.execute("DISCARD ALL");
            assertEquals("3s", show(sa, "statement_timeout"));
            assertEquals("4MB", show(sa, "work_mem"));
            assertEquals(defaults.get("TimeZone"), show(sa, "TimeZone"));
            assertEquals(defaults.get("work_mem"), show(sb, "work_mem"));
            assertEquals(List.of("f:null", "f:null"), pins());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"simple", "extended"})
    void whatCannotMovePinsAndSaysWhy(String mode) throws Exception {
        try (Connection a = connect(mode); Connection b = connect(mode); Statement sa = a.createStatement()) {
            a.setAutoCommit(false);
            sa.execute("DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1");
            a.commit();
            a.setAutoCommit(true);
            sa.execute("SET default_transaction_isolation TO DEFAULT");
            assertEquals(List.of("f:null", "f:null"), pins());
            sa.execute("LISTEN settings_it");
            assertTrue(pins().contains("t:LISTEN"), pins().toString());
        }
    }

    private static String current(Statement s, String expression) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT " + expression)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
