package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.observe.JsonLineLayout;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * The log as an operator reads it, captured from Logback: one line per connection event with the
 * session id, a slow-statement line over the threshold (simple and extended protocol, single-backend
 * and sharded) and none under it, JSON lines that parse, and no password anywhere.
 */
class LoggingIT {
    private static final String WRONG_PASSWORD = "not-the-password-4711";
    private static EmbeddedBackend backend;
    private static PgSteerServer proxy;
    private static ListAppender<ILoggingEvent> captured;
    private static Logger pgsteer;
    private static Level levelBefore;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        String yaml = """
                listen: 127.0.0.1:0
                http: off
                logging: { slow_statement: 100ms }
                users:
                  %s: { password: "%s" }
                backends:
                  main: { url: "%s" }
                databases:
                  %s: { shards: [main] }
                  shop: { shards: [main], backend_database: %s, tables: { notes: { kind: reference } } }
                """.formatted(EmbeddedBackend.USER, EmbeddedBackend.PASSWORD, backend.url(), EmbeddedBackend.DATABASE,
                EmbeddedBackend.DATABASE);
        proxy = new PgSteerServer(ConfigLoader.parse(yaml, "logging.yaml", Map.of())).start();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        pgsteer = context.getLogger("dev.pgsteer");
        levelBefore = pgsteer.getLevel();
        pgsteer.setLevel(Level.INFO);
        captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        pgsteer.addAppender(captured);
    }

    @AfterAll
    static void stop() throws Exception {
        pgsteer.detachAppender(captured);
        pgsteer.setLevel(levelBefore);
        proxy.close();
        backend.close();
    }

    @BeforeEach
    void clear() {
        synchronized (captured) {
            captured.list.clear();
        }
    }

    static Connection connect(String database, String options) throws SQLException {
        return Pgjdbc.connect(proxy, database, options);
    }

    /**
     * A copy of what was captured so far: event loops append while a test reads, and the appender
     * appends under its own lock.
     */
    private static List<ILoggingEvent> events() {
        synchronized (captured) {
            return new java.util.ArrayList<>(captured.list);
        }
    }

    static List<String> lines() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    static List<String> linesWith(String part) {
        return lines().stream().filter(l -> l.contains(part)).toList();
    }

    /** Log lines are written by the event loop; the client may see its answer a moment before. */
    static void awaitLine(String part) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (linesWith(part).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
    }

    @Test
    void aSlowStatementGetsOneWarnLineWithItsSessionTimeAndTextAndAFastOneNone() throws Exception {
        try (Connection c = connect(EmbeddedBackend.DATABASE, "preferQueryMode=simple"); Statement s = c.createStatement()) {
            s.execute("SELECT 1 AS fast");
            s.execute("SELECT pg_sleep(0.3) AS slow_simple");
        }
        try (Connection c = connect(EmbeddedBackend.DATABASE, ""); PreparedStatement p = c.prepareStatement("SELECT pg_sleep(?) AS slow_extended")) {
            p.setDouble(1, 0.3);
            p.execute();
            try (PreparedStatement fast = c.prepareStatement("SELECT 2 AS fast_extended")) {
                fast.execute();
            }
        }
        awaitLine("slow_extended");
        List<ILoggingEvent> slow = events().stream().filter(e -> e.getFormattedMessage().contains("slow statement")).toList();
        assertEquals(2, slow.size(), lines().toString());
        for (ILoggingEvent event : slow) {
            assertEquals(Level.WARN, event.getLevel());
            assertTrue(event.getFormattedMessage().matches("c\\d+ app@appdb: slow statement: \\d+ ms \\(over 100 ms\\): SELECT pg_sleep.*"),
                    event.getFormattedMessage());
        }
        assertTrue(slow.get(0).getFormattedMessage().endsWith("SELECT pg_sleep(0.3) AS slow_simple"), slow.get(0).getFormattedMessage());
        assertTrue(slow.get(1).getFormattedMessage().endsWith("SELECT pg_sleep($1) AS slow_extended"), slow.get(1).getFormattedMessage());
        assertTrue(linesWith("fast").isEmpty(), lines().toString());
    }

    @Test
    void aSlowStatementOnAShardedDatabaseIsLoggedToo() throws Exception {
        try (Connection c = connect("shop", ""); Statement s = c.createStatement()) {
            s.execute("SELECT 1 AS fast_sharded");
            s.execute("SELECT pg_sleep(0.3) AS slow_sharded");
        }
        awaitLine("slow_sharded");
        List<String> slow = linesWith("slow statement");
        assertEquals(1, slow.size(), lines().toString());
        assertTrue(slow.getFirst().matches("c\\d+ app@shop: slow statement: \\d+ ms \\(over 100 ms\\): SELECT pg_sleep\\(0.3\\) AS slow_sharded"),
                slow.getFirst());
    }

    @Test
    void eachConnectionEventIsOneInfoLineWithTheSessionIdAndNoPasswordIsEverLogged() throws Exception {
        try (Connection c = connect(EmbeddedBackend.DATABASE, ""); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
        SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                Pgjdbc.url(proxy, EmbeddedBackend.DATABASE), EmbeddedBackend.USER, WRONG_PASSWORD).close());
        assertEquals("28P01", refused.getSQLState());
        assertEquals("3D000", assertThrows(SQLException.class, () -> connect("nope", "").close()).getSQLState());
        awaitLine("does not exist");
        long until = System.nanoTime() + 5_000_000_000L;
        while (linesWith("disconnected after").size() < 3 && System.nanoTime() < until) {
            Thread.sleep(20);
        }

        List<String> connected = linesWith("connection from 127.0.0.1:");
        List<String> authenticated = linesWith(": authenticated, ");
        List<String> failed = linesWith(": login failed: ");
        List<String> disconnected = linesWith("disconnected after");
        assertEquals(3, connected.size(), lines().toString());
        assertEquals(1, authenticated.size(), "the good login; the one to an unknown database failed: " + lines());
        assertEquals(2, failed.size(), lines().toString());
        assertEquals(3, disconnected.size(), lines().toString());
        String good = authenticated.stream().filter(l -> l.contains("relaying to main/appdb/app")).findFirst().orElseThrow();
        String id = good.substring(0, good.indexOf(':'));
        assertTrue(id.matches("c\\d+ app@appdb"), id);
        assertTrue(disconnected.stream().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(id) + ": disconnected after \\d+\\.\\d{3} s")),
                disconnected.toString());
        assertTrue(failed.stream().anyMatch(l -> l.contains("password authentication failed for user \"app\" (SQLSTATE 28P01)")), failed.toString());
        assertTrue(failed.stream().anyMatch(l -> l.contains("\"nope\" does not exist (SQLSTATE 3D000)")), failed.toString());
        assertTrue(disconnected.stream().anyMatch(l -> l.contains("disconnected after") && l.contains("28P01")), disconnected.toString());
        for (ILoggingEvent event : events()) {
            assertEquals(event.getLevel() == Level.WARN || event.getLevel() == Level.INFO, true, event.toString());
        }
        for (String line : lines()) {
            assertFalse(line.contains(EmbeddedBackend.PASSWORD) || line.contains(WRONG_PASSWORD), "a password in the log: " + line);
        }
    }

    @Test
    void jsonLinesParseAndCarryTheSessionInItsOwnField() throws Exception {
        try (Connection c = connect(EmbeddedBackend.DATABASE, "preferQueryMode=simple"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_sleep(0.15), 'a \"quoted\" \\ text' AS t");
        }
        awaitLine("disconnected after");
        JsonLineLayout layout = new JsonLineLayout();
        layout.setContext(captured.getContext());
        layout.start();
        assertFalse(events().isEmpty());
        boolean sawSession = false;
        for (ILoggingEvent event : events()) {
            String line = layout.doLayout(event);
            assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
            // JSON is YAML's flow style: SnakeYAML parses it without a JSON library in the build.
            Map<?, ?> json = assertInstanceOf(Map.class, new Yaml().load(line), line);
            assertEquals(event.getLevel().toString(), json.get("level"));
            assertTrue(String.valueOf(json.get("ts")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), line);
            if (json.get("session") != null) {
                sawSession = true;
                // Any session's: a line of an earlier test's session may land in this test's capture.
                assertTrue(String.valueOf(json.get("session")).matches("c\\d+( \\w+@\\w+)?"), line);
                assertFalse(String.valueOf(json.get("msg")).startsWith(String.valueOf(json.get("session"))), line);
            }
            if (String.valueOf(json.get("msg")).startsWith("slow statement")) {
                assertTrue(String.valueOf(json.get("msg")).endsWith("'a \"quoted\" \\ text' AS t"), line);
            }
            assertFalse(line.contains(EmbeddedBackend.PASSWORD), line);
        }
        assertTrue(sawSession, lines().toString());
        assertEquals(1, linesWith("slow statement").size(), lines().toString());
    }
}
