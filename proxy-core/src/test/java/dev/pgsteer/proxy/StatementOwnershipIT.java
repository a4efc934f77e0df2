package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.ProxyConfigs;
import dev.pgsteer.proxy.testkit.RawWireClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 20: a session can never run another session's server-side prepared statement. Sessions of a
 * pool share one backend statement per SQL text ({@code pgsteer_<hash>}), and any session sees its
 * name in {@code pg_prepared_statements}; naming it, by SQL or by the protocol, answers as
 * PostgreSQL answers a name that does not exist. The pool has one connection, so the attacker's
 * session runs on the very connection where the victim's statement is prepared.
 */
class StatementOwnershipIT {
    private static final String SECRET = "SELECT 'victim-secret'::text AS secret";
    static EmbeddedBackend backend;
    static PgSteerServer proxy;
    private RawWireClient victim;
    private RawWireClient attacker;
    private String shared;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(ProxyConfigs.trustingInFrontOf(backend.url(),
                "appdb: { shards: [main], pool: { mode: transaction, size: 1 } }")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    /** The victim prepares and runs its statement; the attacker reads its backend name on the same connection. */
    @BeforeEach
    void victimPreparesAndAttackerReadsTheName() throws Exception {
        victim = session();
        attacker = session();
        victim.parse("mine", SECRET);
        victim.bind("mine");
        victim.execute();
        victim.sync();
        assertEquals(List.of("ParseComplete", "BindComplete", "DataRow [victim-secret]", "CommandComplete SELECT 1",
                "ReadyForQuery I"), victim.readUntilReady());
        attacker.sendQuery("SELECT name FROM pg_prepared_statements WHERE statement = '" + SECRET.replace("'", "''") + "'");
        List<String> rows = attacker.readUntilReady();
        String row = rows.stream().filter(r -> r.startsWith("DataRow")).findFirst().orElseThrow(() -> new AssertionError(rows));
        shared = row.substring("DataRow [".length(), row.length() - 1);
        assertTrue(shared.startsWith("pgsteer_"), shared);
    }

    @AfterEach
    void victimStillRunsItsStatement() throws Exception {
        try {
            victim.bind("mine");
            victim.execute();
            victim.sync();
            assertEquals(List.of("BindComplete", "DataRow [victim-secret]", "CommandComplete SELECT 1", "ReadyForQuery I"),
                    victim.readUntilReady());
        } finally {
            victim.close();
            attacker.close();
        }
    }

    private static RawWireClient session() throws Exception {
        RawWireClient raw = new RawWireClient(proxy.address());
        raw.sendStartup(3 << 16, Map.of("user", "app", "database", "appdb"));
        raw.readUntil('Z');
        return raw;
    }

    private String doesNotExist(String name) {
        return "Error 26000 prepared statement \"" + name + "\" does not exist";
    }

    @Test
    void sqlExecuteOfAnotherSessionsStatementFindsNoSuchStatement() throws Exception {
        attacker.sendQuery("EXECUTE " + shared);
        assertEquals(List.of(doesNotExist(shared), "ReadyForQuery I"), attacker.readUntilReady());
        attacker.sendQuery("EXPLAIN ANALYZE EXECUTE \"" + shared + "\"");
        assertEquals(List.of(doesNotExist(shared), "ReadyForQuery I"), attacker.readUntilReady());
        attacker.sendQuery("DO $$BEGIN EXECUTE 'EXECUTE " + shared + "'; END$$");
        List<String> answer = attacker.readUntilReady();
        assertTrue(answer.get(0).startsWith("Error 26000"), answer.toString());
    }

    @Test
    void sqlExecuteInTheExtendedProtocolFindsNoSuchStatement() throws Exception {
        attacker.parse("", "EXECUTE " + shared);
        attacker.bind("");
        attacker.execute();
        attacker.sync();
        List<String> answer = attacker.readUntilReady();
        assertTrue(answer.stream().anyMatch(m -> m.startsWith("Error 26000")), answer.toString());
        assertTrue(answer.stream().noneMatch(m -> m.contains("victim-secret")), answer.toString());
    }

    @Test
    void sqlDeallocateOfAnotherSessionsStatementFindsNoSuchStatement() throws Exception {
        attacker.sendQuery("DEALLOCATE " + shared);
        assertEquals(List.of(doesNotExist(shared), "ReadyForQuery I"), attacker.readUntilReady());
    }

    @Test
    void aBindOrDescribeOfAnotherSessionsStatementFindsNoSuchStatement() throws Exception {
        attacker.bind(shared);
        attacker.execute();
        attacker.sync();
        assertEquals(List.of(doesNotExist(shared), "ReadyForQuery I"), attacker.readUntilReady());
        attacker.describeStatement(shared);
        attacker.sync();
        assertEquals(List.of(doesNotExist(shared), "ReadyForQuery I"), attacker.readUntilReady());
    }

    @Test
    void aCloseOfAnotherSessionsStatementClosesNothingOfItsOwn() throws Exception {
        attacker.closeStatement(shared);
        attacker.sync();
        // PostgreSQL answers CloseComplete for a name that does not exist, too; the victim's runs on (after each).
        assertEquals(List.of("CloseComplete", "ReadyForQuery I"), attacker.readUntilReady());
    }

    @Test
    void aBindOfANameTheSessionNeverPreparedGetsPostgresqlsAnswer() throws Exception {
        attacker.bind("S_1");
        attacker.execute();
        attacker.sync();
        assertEquals(List.of(doesNotExist("S_1"), "ReadyForQuery I"), attacker.readUntilReady());
    }

    @Test
    void theAttackersOwnStatementOfTheSameTextRunsAsItsOwn() throws Exception {
        // Sharing the backend statement is the design: the attacker gets it only under its own name.
        attacker.parse("its_own", SECRET);
        attacker.bind("its_own");
        attacker.execute();
        attacker.sync();
        assertEquals(List.of("ParseComplete", "BindComplete", "DataRow [victim-secret]", "CommandComplete SELECT 1",
                "ReadyForQuery I"), attacker.readUntilReady());
    }

    @Test
    void aPinnedSessionsOwnSqlPreparedStatementStillBindsByItsName() throws Exception {
        attacker.sendQuery("PREPARE by_sql AS SELECT 'own'::text");
        assertEquals(List.of("CommandComplete PREPARE", "ReadyForQuery I"), attacker.readUntilReady());
        attacker.bind("by_sql");
        attacker.execute();
        attacker.sync();
        assertEquals(List.of("BindComplete", "DataRow [own]", "CommandComplete SELECT 1", "ReadyForQuery I"),
                attacker.readUntilReady());
        // Pinned, it still cannot reach pgsteer's statements on its connection.
        attacker.bind(shared);
        attacker.execute();
        attacker.sync();
        assertEquals(List.of(doesNotExist(shared), "ReadyForQuery I"), attacker.readUntilReady());
        // It lets go of the pinned connection, for the victim's check after the test.
        attacker.close();
        attacker = session();
        Thread.sleep(200);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
