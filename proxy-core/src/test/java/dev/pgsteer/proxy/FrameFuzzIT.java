package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.FuzzFrames;
import dev.pgsteer.proxy.testkit.RawBytes;
import dev.pgsteer.proxy.testkit.WireProbe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random, truncated, oversized and mutated frames, in every phase of a session (startup,
 * authentication, ready, inside an extended batch, inside COPY FROM STDIN), for every kind of
 * session pgsteer has, against real PostgreSQL. Each case is also sent to PostgreSQL itself, which
 * is the judge:
 * <ul>
 *   <li>pgsteer never crashes: it answers within the quiet time, never with an internal error, and a
 *       fresh client is served afterwards;</li>
 *   <li>pgsteer never runs a statement PostgreSQL would not have run: the ledger table gains no row
 *       through pgsteer unless it gained one in PostgreSQL;</li>
 *   <li>what pgsteer refuses (FATAL 08P01, then close), PostgreSQL refused too; and what PostgreSQL
 *       refused as a protocol violation, the client hears as one through pgsteer.</li>
 * </ul>
 * The seed is fixed ({@value #SEED}); {@code -Dfuzz.seed=N} picks another and {@code -Dfuzz.cases=N}
 * the number of cases per session and phase. A failure names its seed, case and frame;
 * {@code -Dfuzz.only=SESSION/STAGE/N} replays that case alone.
 */
class FrameFuzzIT {
    static final long SEED = 20_261_202L;
    private static final long seed = Long.getLong("fuzz.seed", SEED);
    private static final int cases = Integer.getInteger("fuzz.cases", 150);
    /** One case to replay, as a failure names it: {@code -Dfuzz.only=TENANT/COPY_IN/118}. */
    private static final String only = System.getProperty("fuzz.only", "");
    /** How long a server may stay silent before the client is left hanging. */
    private static final int QUIET_MILLIS = 3000;
    private static final String REFERENCE_DATABASE = "fuzz_reference";

    static EmbeddedBackend backend;
    /** Trusts its clients: the cases after login. */
    static PgSteerServer proxy;
    /** Checks passwords with SCRAM: the cases while authenticating. */
    static PgSteerServer guarded;
    static Connection ledgers;
    static Connection referenceLedger;
    static int functionOid;

    /** The kinds of session, each a database (and user) of the proxy. */
    enum Session {
        SINGLE_BACKEND("appdb", "app"),
        SHARDED("shop", "app"),
        TENANT("saas", "t1_app"),
        ADMIN_CONSOLE(ProxyConfig.ADMIN_DATABASE, "ops");

        final String database;
        final String user;

        Session(String database, String user) {
            this.database = database;
            this.user = user;
        }
    }

    enum Stage { READY, EXTENDED_BATCH, COPY_IN }

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.shard();
        try (Connection admin = backend.admin(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + REFERENCE_DATABASE);
        }
        ledgers = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + backend.port() + "/" + EmbeddedBackend.DATABASE,
                "postgres", "");
        try (Statement s = ledgers.createStatement()) {
            s.execute("CREATE TABLE public.ledger (id int, note text)");
            s.execute("ALTER TABLE public.ledger OWNER TO app");
            s.execute("CREATE SCHEMA t1 AUTHORIZATION app");
            s.execute("CREATE TABLE t1.ledger (id int, note text)");
            s.execute("ALTER TABLE t1.ledger OWNER TO app");
            try (ResultSet rs = s.executeQuery("SELECT 'abs(int4)'::regprocedure::oid")) {
                rs.next();
                functionOid = rs.getInt(1);
            }
        }
        referenceLedger = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + backend.port() + "/" + REFERENCE_DATABASE,
                "postgres", "");
        try (Statement s = referenceLedger.createStatement()) {
            s.execute("CREATE TABLE ledger (id int, note text)");
        }
        proxy = new PgSteerServer(config("trust")).start();
        guarded = new PgSteerServer(config("scram-sha-256")).start();
        System.out.printf("FrameFuzzIT: seed %d (-Dfuzz.seed), %d cases per session and stage (-Dfuzz.cases)%n", seed, cases);
    }

    static ProxyConfig config(String auth) {
        String yaml = """
                listen: 127.0.0.1:0
                http: off
                auth: %2$s
                auth_timeout: 5s
                users:
                  app: { password: "%3$s" }
                  t1_app: { password: "%3$s", tenant: t1 }
                  ops: { password: "%3$s", admin: true }
                backends:
                  main: { url: "%1$s" }
                  s0: { url: "%1$s" }
                  s1: { url: "%1$s" }
                databases:
                  appdb: { shards: [main], pool: { mode: transaction, size: 2 } }
                  shop:
                    shards: [s0, s1]
                    pool: { size: 2 }
                    tables:
                      ledger: { key: id, function: hash, type: integer }
                  saas:
                    shards: [main]
                    tenancy: { setting: app.tenant_id, shared_schemas: [public] }
                    pool: { size: 2 }
                tenants:
                  t1: { database: saas, mode: schema, shard: main }
                """.formatted(backend.url(), auth, EmbeddedBackend.PASSWORD);
        return ConfigLoader.parse(yaml, "fuzz.yaml", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {proxy, guarded, ledgers, referenceLedger, backend}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    // --- after login: every session, every stage ---

    @ParameterizedTest
    @EnumSource(Session.class)
    void framesOfALoggedInSession(Session session) throws Exception {
        long started = System.nanoTime();
        int run = 0;
        for (Stage stage : Stage.values()) {
            if (stage == Stage.COPY_IN && session == Session.ADMIN_CONSOLE) {
                continue;
            }
            for (int i = 0; i < cases; i++) {
                if (!only.isEmpty() && !only.equals(session + "/" + stage + "/" + i)) {
                    continue;
                }
                Random random = new Random(seed * 1_000_003L + session.ordinal() * 10_007L + stage.ordinal() * 1009L + i);
                fuzzCase(session, stage, i, random);
                run++;
            }
        }
        assertServes(session);
        System.out.printf("FrameFuzzIT: %s: %d cases in %d ms%n", session, run, (System.nanoTime() - started) / 1_000_000);
    }

    private void fuzzCase(Session session, Stage stage, int index, Random random) throws Exception {
        List<byte[]> bases = switch (stage) {
            case READY -> FuzzFrames.readyFrames(functionOid);
            case EXTENDED_BATCH -> FuzzFrames.batchFrames();
            case COPY_IN -> FuzzFrames.copyFrames();
        };
        FuzzFrames.Mutated mutated = FuzzFrames.mutate(bases.get(random.nextInt(bases.size())), random);
        String marker = session == Session.ADMIN_CONSOLE ? "SHOW " + FuzzFrames.MARKER : "SELECT '" + FuzzFrames.MARKER + "'";

        WireProbe.Heard reference = play(reference(), stage, mutated, "SELECT '" + FuzzFrames.MARKER + "'");
        long referenceRows = takeRows(referenceLedger, "SELECT count(*) FROM ledger", "TRUNCATE ledger");
        WireProbe.Heard heard = play(login(proxy, session), stage, mutated, marker);
        long rows = takeRows(ledgers, "SELECT (SELECT count(*) FROM public.ledger) + (SELECT count(*) FROM t1.ledger)",
                "TRUNCATE public.ledger, t1.ledger");

        String where = "seed " + seed + ", case " + session + "/" + stage + "/" + index + ", " + mutated.mutation()
                + " frame " + mutated.hex() + "\n  PostgreSQL heard: " + reference + " (" + referenceRows + " rows)"
                + "\n  pgsteer heard:    " + heard + " (" + rows + " rows)";
        // PostgreSQL's own XX000 (a type OID that is no type) is relayed as it is; pgsteer's must never come.
        assertFalse(heard.internalError() && !reference.internalError(), "an internal error: " + where);
        if (heard.end() == WireProbe.End.QUIET && reference.end() != WireProbe.End.QUIET) {
            fail("pgsteer left the client waiting: " + where);
        }
        if (rows > 0 && referenceRows == 0 && !shardedParseDeferred(session, mutated.bytes(), reference)) {
            fail("pgsteer ran a statement PostgreSQL did not: " + where);
        }
        if (heard.fatal08P01()) {
            assertTrue(reference.anyError() || reference.closed() || stricterDuringCopy(stage, mutated.bytes()),
                    "pgsteer refused what PostgreSQL accepted: " + where);
            assertEquals(0, rows, "a refused frame ran: " + where);
        }
        if (reference.any08P01() && session != Session.ADMIN_CONSOLE) {
            // The console runs its own commands, not SQL: PostgreSQL's answer to a valid frame is no guide to it.
            assertTrue(heard.any08P01() || heard.closed(), "PostgreSQL refused what pgsteer let through: " + where);
        }
        if (index % 20 == 19) {
            assertServes(session);
        }
    }

    /**
     * Known and left as it is: a sharded session answers a Parse at once and meets its statement's
     * errors (a syntax error) only at the Execute, on the shards. A batch whose second Parse PostgreSQL
     * refuses is skipped to its Sync there, while the sharded session runs the portal bound before it.
     */
    private static boolean shardedParseDeferred(Session session, byte[] frame, WireProbe.Heard reference) {
        return session == Session.SHARDED && frame[0] == 'P' && reference.anyError() && !reference.any08P01();
    }

    /**
     * The one place pgsteer is knowingly stricter than PostgreSQL: a Flush or Sync with a body. PostgreSQL
     * refuses one ("invalid message format") except during COPY FROM STDIN, where it ignores either
     * unread; pgsteer checks frames where it cannot tell whether a backend is in COPY, and refuses it always.
     */
    private static boolean stricterDuringCopy(Stage stage, byte[] frame) {
        return stage == Stage.COPY_IN && (frame[0] == 'H' || frame[0] == 'S') && frame.length > 5;
    }

    /** Plays a case on a logged-in connection: the stage's opening, the mutated frame, what would follow it. */
    private static WireProbe.Heard play(WireProbe probe, Stage stage, FuzzFrames.Mutated mutated, String marker) throws IOException {
        try (probe) {
            switch (stage) {
                case READY -> probe.send(mutated.bytes());
                case EXTENDED_BATCH -> probe.send(RawBytes.concat(FuzzFrames.parse("", FuzzFrames.INSERT_PARAMETER, 23),
                        FuzzFrames.bind("", "", "7"), mutated.bytes()));
                case COPY_IN -> {
                    probe.send(FuzzFrames.query("COPY ledger (id, note) FROM STDIN"));
                    WireProbe.Heard opened = probe.hearUntilAny("GZ");
                    if (opened.messages().isEmpty() || opened.messages().getLast().type() != 'G') {
                        fail("COPY FROM STDIN did not start: " + opened);
                    }
                    probe.send(RawBytes.concat(RawBytes.frame('d', "7\tfuzz\n".getBytes()), mutated.bytes()));
                }
            }
            if (mutated.closeAfter()) {
                probe.shutdownOutput();
                return probe.hearUntilMarker(FuzzFrames.MARKER);
            }
            byte[] after = switch (stage) {
                case READY -> RawBytes.frame('S');
                case EXTENDED_BATCH -> RawBytes.concat(FuzzFrames.execute("", 0), RawBytes.frame('S'));
                case COPY_IN -> RawBytes.frame('c');
            };
            probe.send(RawBytes.concat(after, FuzzFrames.query(marker)));
            return probe.hearUntilMarker(FuzzFrames.MARKER);
        }
    }

    // --- before login ---

    @Test
    void startupPackets() throws Exception {
        long started = System.nanoTime();
        for (int i = 0; i < cases * 2; i++) {
            Random random = new Random(seed * 7919L + i);
            Session session = Session.values()[random.nextInt(Session.values().length)];
            byte[] packet = mutateStartup(RawBytes.startup("user", session.user, "database", session.database), random);
            try (WireProbe probe = new WireProbe(proxy.address(), QUIET_MILLIS)) {
                probe.send(packet);
                // Whatever came of it, the client then goes: the server must not wait for it forever.
                probe.shutdownOutput();
                WireProbe.Heard heard = probe.hearUntilMarker(FuzzFrames.MARKER);
                String where = "seed " + seed + ", startup case " + i + " packet " + new FuzzFrames.Mutated(
                        FuzzFrames.Mutation.RANDOM, packet, true).hex() + "\n  pgsteer heard: " + heard;
                assertEquals(WireProbe.End.CLOSED, heard.end(), "the connection stayed open: " + where);
                assertFalse(heard.internalError(), "an internal error: " + where);
            }
        }
        for (Session session : Session.values()) {
            assertServes(session);
        }
        System.out.printf("FrameFuzzIT: startup: %d cases in %d ms%n", cases * 2, (System.nanoTime() - started) / 1_000_000);
    }

    private static byte[] mutateStartup(byte[] packet, Random random) {
        byte[] mutated = packet.clone();
        switch (random.nextInt(6)) {
            case 0 -> mutated = java.util.Arrays.copyOf(packet, random.nextInt(packet.length));
            case 1 -> {
                mutated = RawBytes.concat(packet, new byte[1 + random.nextInt(20)]);
                ByteBuffer.wrap(mutated).putInt(0, mutated.length);
            }
            case 2 -> mutated[8 + random.nextInt(packet.length - 8)] = (byte) random.nextInt(256);
            case 3 -> ByteBuffer.wrap(mutated).putInt(0, random.nextInt(20_000) - 100);
            case 4 -> ByteBuffer.wrap(mutated).putInt(4, random.nextInt());
            default -> {
                mutated = new byte[random.nextInt(64)];
                random.nextBytes(mutated);
            }
        }
        return mutated;
    }

    @Test
    void framesWhileAuthenticating() throws Exception {
        long started = System.nanoTime();
        byte[] initial = RawBytes.frame('p', RawBytes.cstr("SCRAM-SHA-256"), RawBytes.i32(32),
                "n,,n=,r=fyko+d2lbbFgONRv9qkxdawL".getBytes());
        List<byte[]> bases = List.of(initial, RawBytes.frame('p', RawBytes.cstr("secret")),
                FuzzFrames.query(FuzzFrames.INSERT), RawBytes.frame('S'));
        for (int i = 0; i < cases * 2; i++) {
            Random random = new Random(seed * 104_729L + i);
            Session session = Session.values()[random.nextInt(Session.values().length)];
            FuzzFrames.Mutated mutated = FuzzFrames.mutate(bases.get(random.nextInt(bases.size())), random);
            try (WireProbe probe = new WireProbe(guarded.address(), QUIET_MILLIS)) {
                probe.send(RawBytes.startup("user", session.user, "database", session.database));
                WireProbe.Heard asked = probe.hearUntilAny("R");
                assertEquals(WireProbe.End.MARKER, asked.end(), "no authentication request: " + asked);
                probe.send(mutated.bytes());
                if (mutated.closeAfter()) {
                    probe.shutdownOutput();
                }
                // A password message that still reads well is answered with the next step; anything else ends it.
                WireProbe.Heard heard = probe.hearUntilAny("R");
                String where = "seed " + seed + ", authentication case " + i + ", " + mutated.mutation() + " frame "
                        + mutated.hex() + "\n  pgsteer heard: " + heard;
                assertFalse(heard.internalError(), "an internal error: " + where);
                assertTrue(heard.end() != WireProbe.End.QUIET, "pgsteer left the client waiting: " + where);
                if (heard.end() == WireProbe.End.CLOSED) {
                    assertTrue(mutated.closeAfter() || heard.messages().stream().anyMatch(m -> m.type() == 'E'
                            && "FATAL".equals(m.fields().get('V'))), "closed without a FATAL error: " + where);
                }
            }
            assertEquals(0, takeRows(ledgers, "SELECT (SELECT count(*) FROM public.ledger) + (SELECT count(*) FROM t1.ledger)",
                    "TRUNCATE public.ledger, t1.ledger"), "a statement ran before login");
        }
        System.out.printf("FrameFuzzIT: authentication: %d cases in %d ms%n", cases * 2, (System.nanoTime() - started) / 1_000_000);
    }

    // --- helpers ---

    private static WireProbe reference() throws IOException {
        WireProbe probe = new WireProbe(new InetSocketAddress("127.0.0.1", backend.port()), QUIET_MILLIS);
        probe.send(RawBytes.startup("user", "postgres", "database", REFERENCE_DATABASE));
        expectReady(probe.hearUntilAny("Z"), "PostgreSQL");
        return probe;
    }

    private static WireProbe login(PgSteerServer server, Session session) throws IOException {
        WireProbe probe = new WireProbe(server.address(), QUIET_MILLIS);
        probe.send(RawBytes.startup("user", session.user, "database", session.database));
        expectReady(probe.hearUntilAny("Z"), "pgsteer, " + session);
        return probe;
    }

    private static void expectReady(WireProbe.Heard heard, String who) {
        if (heard.end() != WireProbe.End.MARKER || heard.anyError()) {
            fail(who + " did not log in: " + heard);
        }
    }

    /** The rows the ledger holds (and empties it for the next case). */
    private static long takeRows(Connection connection, String count, String empty) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(count)) {
            rs.next();
            long rows = rs.getLong(1);
            if (rows > 0) {
                s.execute(empty);
            }
            return rows;
        }
    }

    /** A fresh client of {@code session}'s kind is served: the proxy survived what came before. */
    private static void assertServes(Session session) throws SQLException {
        String url = "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/" + session.database
                + "?connectTimeout=10&socketTimeout=10&preferQueryMode=simple";
        try (Connection c = DriverManager.getConnection(url, session.user, EmbeddedBackend.PASSWORD);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(session == Session.ADMIN_CONSOLE ? "SHOW VERSION" : "SELECT 1")) {
            assertTrue(rs.next(), session + " answered no row");
        }
    }
}
