package dev.pgsteer.proxy.tenant.gate;

import static dev.pgsteer.proxy.testkit.RawBytes.concat;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.frame;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;
import static dev.pgsteer.proxy.testkit.RawBytes.startup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.TenantState;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.ClientHandler;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.SessionGate.Admitted;
import dev.pgsteer.proxy.client.SessionRelay;
import dev.pgsteer.proxy.client.SessionRelays;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.tenant.control.TenantLifecycle;
import dev.pgsteer.proxy.tenant.control.Tenants;
import dev.pgsteer.proxy.testkit.FrontDoor;
import dev.pgsteer.router.session.SessionRoute;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tenant gate of one session, frame by frame: which tenant's target each client frame runs on,
 * and which frame runs there in its place when pgsteer refuses it (a statement that raises the
 * error, so the client gets it where the refused statement's answer belongs). The session is a real
 * one, logged in through {@link ClientHandler} with the real router; the targets are the running
 * proxy's real {@link Tenants}. No backend is needed: the gate only chooses, the relay sends.
 */
class TenantGateTest {
    private static final Pattern RAISED = Pattern.compile("^DO \\$pgsteer\\$BEGIN RAISE EXCEPTION USING ERRCODE = '(\\w{5})'");

    private static PgSteerServer server;
    private static Tenants tenants;

    private EmbeddedChannel channel;
    private ClientSession session;
    private TenantGate gate;
    private final List<Frame> toRelease = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = new PgSteerServer(ConfigLoader.parse("""
                listen: 127.0.0.1:0
                http: off
                auth: trust
                users:
                  app: { password: x }
                  acme_app: { password: x, tenant: acme }
                backends:
                  main: { url: "postgresql://app:secret@127.0.0.1:1/app_db" }
                databases:
                  saas: { shards: [main], tenancy: {} }
                tenants:
                  acme: { database: saas, mode: schema, shard: main }
                  globex: { database: saas, mode: schema, shard: main }
                  initech: { database: saas, mode: schema, shard: main }
                """, "gate.yaml", Map.of())).start();
        tenants = server.context().tenants();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void release() {
        toRelease.forEach(f -> {
            if (f.refCnt() > 0) {
                f.release();
            }
        });
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    /** Logs in with these startup parameters; the gate is made as the runtime's RelayFactory makes it. */
    private void logIn(String... startup) {
        SessionRelays relays = loggedIn -> SessionRelays.Opening.of(loggedIn, server.context().router(), route -> {
            var tenantSession = (SessionRoute.TenantSession) route;
            session = loggedIn;
            gate = new TenantGate(loggedIn, tenants, tenantSession.database(), tenantSession.pinned(),
                    tenantSession.atStartup(), loggedIn.channel().alloc());
            return SessionRelays.NewRelay.readingWhole(new IdleRelay(), "gated");
        });
        channel = FrontDoor.open(server.context(), relays);
        channel.writeInbound(Unpooled.wrappedBuffer(startup(startup)));
        assertNotNull(gate, "the router let the session in as a tenant database's");
    }

    private TenantTarget target(String tenant) {
        return tenants.target(tenant).orElseThrow();
    }

    private Admitted admit(byte[] frame) {
        Admitted admitted = gate.admit(new Frame(Unpooled.wrappedBuffer(frame)));
        toRelease.add(admitted.first());
        if (admitted.second() != null) {
            toRelease.add(admitted.second());
        }
        return admitted;
    }

    // --- admission ---

    @Test
    void aStatementNamingATenantByCommentIsAdmittedToThatTenantsTarget() {
        logIn("user", "app", "database", "saas");
        byte[] query = query("/* tenant=acme */ SELECT * FROM orders");
        Admitted admitted = admit(query);

        assertSame(target("acme"), admitted.target());
        assertEquals("/* tenant=acme */ SELECT * FROM orders", text(admitted.first()), "the client's statement, as it was");
        assertNull(admitted.second());
        assertFalse(admitted.unreportedSet());
    }

    @Test
    void aStatementPreparedUnderACommentRunsForThatTenantWheneverItIsBound() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "globex");
        assertSame(target("acme"), admit(parse("s1", "/* tenant=acme */ SELECT * FROM orders WHERE id = $1")).target());
        assertSame(target("acme"), admit(sync()).target());

        assertSame(target("acme"), admit(bind("s1", "7")).target(), "a later batch's Bind goes where its statement was prepared");
        assertSame(target("acme"), admit(EXECUTE).target(), "an Execute follows its Bind");
        admit(sync());
        assertSame(target("globex"), admit(query("SELECT 1")).target(), "the session's own tenant is unchanged");
    }

    @Test
    void theStartupTenantIsTheSessionsTenantFromTheFirstStatement() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "globex");
        assertSame(target("globex"), gate.initial());
        assertSame(target("globex"), admit(query("SELECT * FROM orders")).target());
    }

    @Test
    void withoutATenantOnlyWhatDriversSendOnConnectingRuns() {
        logIn("user", "app", "database", "saas");
        TenantTarget anonymous = (TenantTarget) gate.initial();
        assertNull(anonymous.tenant());

        Admitted setting = admit(query("SET application_name = 'x'"));
        assertSame(anonymous, setting.target());
        assertNull(raised(setting.first()));

        Admitted data = admit(query("SELECT * FROM orders"));
        assertEquals("28000", raised(data.first()), "no tenant named for this statement");
        assertSame(anonymous, data.target());
    }

    // --- switching ---

    @Test
    void setPgsteerTenantSwitchesTheSessionsTenant() {
        logIn("user", "app", "database", "saas");
        TenantTarget anonymous = (TenantTarget) gate.initial();

        Admitted set = admit(query("SET pgsteer.tenant = 'acme'"));
        assertEquals("SET pgsteer.tenant TO DEFAULT", text(set.first()),
                "the backend runs a SET that changes nothing, so the client gets SET's own answer");
        assertTrue(set.unreportedSet(), "the gate's own setting does not pin the session");
        assertSame(anonymous, set.target(), "the SET itself runs where the session is");

        assertSame(target("acme"), admit(query("SELECT * FROM orders")).target());
        Admitted show = admit(query("SHOW pgsteer.tenant"));
        assertEquals("SELECT 'acme'::text AS \"pgsteer.tenant\"", text(show.first()));

        admit(query("RESET pgsteer.tenant"));
        assertSame(anonymous, admit(query("SELECT 1")).target(), "RESET goes back to the startup tenant: none here");
    }

    @Test
    void aSwitchInsideATransactionIsRefusedWith25001() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");
        assertSame(target("acme"), admit(query("BEGIN")).target());
        session.transactionStatus(TransactionStatus.IN_TRANSACTION);

        Admitted set = admit(query("SET pgsteer.tenant = 'globex'"));
        assertEquals("25001", raised(set.first()));
        assertSame(target("acme"), set.target(), "the error is raised in the transaction, on its connection");

        Admitted named = admit(query("/* tenant=globex */ SELECT * FROM orders"));
        assertEquals("25001", raised(named.first()));
        assertSame(target("acme"), named.target());

        assertSame(target("acme"), admit(query("SELECT * FROM orders")).target(), "the session is still acme's");
    }

    @Test
    void aSwitchToTheTenantAlreadyInForceIsNoSwitch() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");
        admit(query("BEGIN"));
        session.transactionStatus(TransactionStatus.IN_TRANSACTION);
        Admitted set = admit(query("SET pgsteer.tenant = 'acme'"));
        assertNull(raised(set.first()));
        assertEquals("SET pgsteer.tenant TO DEFAULT", text(set.first()));
    }

    /** A user pinned to a tenant names no other, neither by SET nor by comment: 42501 as at login. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            SET pgsteer.tenant = 'globex'
            SET pgsteer.tenant TO globex
            /* tenant=globex */ SELECT * FROM orders
            """)
    void aPinnedUserCannotSwitch(String sql) {
        logIn("user", "acme_app", "database", "saas");
        assertSame(target("acme"), gate.initial(), "the user's tenant from the start");

        Admitted admitted = admit(query(sql));
        assertEquals("42501", raised(admitted.first()));
        assertSame(target("acme"), admitted.target());
        assertSame(target("acme"), admit(query("SELECT * FROM orders")).target());
    }

    @Test
    void aPinnedUserMayNameItsOwnTenant() {
        logIn("user", "acme_app", "database", "saas");
        Admitted set = admit(query("SET pgsteer.tenant = 'acme'"));
        assertNull(raised(set.first()));
        assertSame(target("acme"), admit(query("/* tenant=acme */ SELECT 1")).target());
    }

    /**
     * The relay holds a connection it cannot give up (session pooling, LISTEN, a transaction): a
     * statement for another target is refused on the held one. Outside a transaction and a batch the
     * session is pinned (42501); an extended-protocol batch runs to its Sync as one transaction (25001).
     */
    @Test
    void aSwitchTheRelayCannotMakeIsRefusedOnTheHeldConnection() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");
        TenantTarget acme = target("acme");

        Admitted wanted = gate.admit(new Frame(Unpooled.wrappedBuffer(query("/* tenant=globex */ SELECT 1"))));
        Admitted pinned = keep(gate.refuseSwitch(wanted, acme));
        assertEquals("42501", raised(pinned.first()));
        assertSame(acme, pinned.target());

        admit(parse("", "SELECT 1"));
        Admitted inBatch = gate.admit(new Frame(Unpooled.wrappedBuffer(parse("", "/* tenant=globex */ SELECT 1"))));
        Admitted refused = keep(gate.refuseSwitch(inBatch, acme));
        assertEquals("25001", raised(refused.first()));
        assertEquals("", parseName(refused.first()));
    }

    @Test
    void aMessageThatOnlyFollowsAStatementRunsWhereItIsWhenTheSwitchIsRefused() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");
        Admitted execute = gate.admit(new Frame(Unpooled.wrappedBuffer(EXECUTE)));
        Admitted held = keep(gate.refuseSwitch(execute, target("globex")));
        assertSame(target("globex"), held.target());
        assertEquals('E', held.first().type(), "the Execute, unchanged");
    }

    // --- errors at the statement's place ---

    /**
     * A Parse naming an unknown tenant becomes a Parse of the same name that raises 3D000: the backend
     * answers it with the error where the client awaits ParseComplete, and skips to Sync; the Bind of
     * that statement goes along, to be skipped with it.
     */
    @Test
    void anUnknownTenantIs3D000AtTheStatementsPlaceInTheExtendedProtocol() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");

        Admitted parse = admit(parse("s1", "/* tenant=nobody */ SELECT * FROM orders WHERE id = $1 AND n = $2"));
        assertEquals('P', parse.first().type());
        assertEquals("s1", parseName(parse.first()));
        assertEquals("3D000", raised(parseText(parse.first())));
        assertEquals(2, parseParameterTypes(parse.first()), "it takes the values the client's Binds carry");
        assertSame(target("acme"), parse.target(), "raised where the session is");

        Admitted bind = admit(bind("s1", "7", "8"));
        assertEquals('B', bind.first().type());
        assertNull(bind.second());
        assertSame(target("acme"), bind.target());
        assertSame(target("acme"), admit(sync()).target());

        assertNull(raised(parseText(admit(parse("s1", "SELECT 1")).first())), "a new Parse of the name is the client's again");
    }

    /** A Bind whose statement was prepared for a tenant since dropped is preceded by an unnamed Parse raising 3D000. */
    @Test
    void aBindForATenantSinceDroppedIsPrecededByAParseRaising3D000() throws Exception {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");
        admit(parse("s2", "/* tenant=initech */ SELECT $1"));
        admit(sync());
        new TenantLifecycle(tenants).drop("initech", false);

        Admitted bind = admit(bind("s2", "1"));
        assertEquals('P', bind.first().type());
        assertEquals("", parseName(bind.first()));
        assertEquals("3D000", raised(parseText(bind.first())));
        assertEquals(1, parseParameterTypes(bind.first()));
        assertNotNull(bind.second());
        assertEquals('B', bind.second().type());
        assertEquals("", bindStatement(bind.second()), "the Bind now binds the raising statement");
    }

    @Test
    void anUnknownTenantInASimpleQueryIs3D000() {
        logIn("user", "app", "database", "saas");
        Admitted admitted = admit(query("/* tenant=nobody */ SELECT 1"));
        assertEquals('Q', admitted.first().type());
        assertEquals("3D000", raised(admitted.first()));
    }

    @Test
    void aMovingTenantTakesNoStatements() {
        logIn("user", "app", "database", "saas");
        var lifecycle = new TenantLifecycle(tenants);
        lifecycle.alter("globex", TenantState.MOVING);
        try {
            assertEquals("55000", raised(admit(query("/* tenant=globex */ SELECT 1")).first()));
        } finally {
            lifecycle.alter("globex", TenantState.ACTIVE);
        }
    }

    // --- the session's settings and channels ---

    @Test
    void activatingATargetGivesTheSessionThatTenantsSettings() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");
        gate.activate(target("acme"));
        assertEquals("\"acme\", \"public\"", session.settings().wanted().get("search_path"));
        gate.activate(target("globex"));
        assertEquals("\"globex\", \"public\"", session.settings().wanted().get("search_path"));
    }

    @Test
    void aListenNamesTheChannelInTheTenantsNamespace() {
        logIn("user", "app", "database", "saas", "pgsteer.tenant", "acme");
        Admitted listen = admit(query("LISTEN jobs"));
        assertSame(target("acme"), listen.target());
        String sent = text(listen.first());
        assertTrue(sent.startsWith("LISTEN ") && !sent.equals("LISTEN jobs") && sent.contains("jobs"), sent);
    }

    /** A relay that is never used: the test drives the gate itself. */
    private static final class IdleRelay implements SessionRelay {
        @Override
        public void connect() {
        }

        @Override
        public void onClientFrame(Frame frame) {
            frame.release();
        }

        @Override
        public void onClientReadComplete() {
        }

        @Override
        public void onClientWritabilityChanged() {
        }

        @Override
        public void onClientClosed() {
        }

        @Override
        public void cancel() {
        }
    }

    private Admitted keep(Admitted admitted) {
        toRelease.add(admitted.first());
        if (admitted.second() != null) {
            toRelease.add(admitted.second());
        }
        return admitted;
    }

    // --- reading what the gate let through ---

    /** The SQLSTATE a pgsteer raising statement raises, or null when {@code frame} is not one. */
    private static String raised(Frame frame) {
        return raised(frame.type() == 'P' ? parseText(frame) : text(frame));
    }

    private static String raised(String sql) {
        Matcher m = RAISED.matcher(sql);
        return m.find() ? m.group(1) : null;
    }

    /** {@code 'Q' | int32 len | sql\0}: sql. */
    private static String text(Frame query) {
        ByteBuf body = query.body();
        return cstring(body, body.readerIndex());
    }

    /** {@code 'P' | int32 len | name\0 | sql\0 | int16 n | n x int32}: name. */
    private static String parseName(Frame parse) {
        return text(parse);
    }

    private static String parseText(Frame parse) {
        ByteBuf body = parse.body();
        int nameEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        return cstring(body, nameEnd + 1);
    }

    private static int parseParameterTypes(Frame parse) {
        ByteBuf body = parse.body();
        int nameEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        int textEnd = body.indexOf(nameEnd + 1, body.writerIndex(), (byte) 0);
        return body.getUnsignedShort(textEnd + 1);
    }

    /** {@code 'B' | int32 len | portal\0 | statement\0 | ...}: statement. */
    private static String bindStatement(Frame bind) {
        ByteBuf body = bind.body();
        int portalEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        return cstring(body, portalEnd + 1);
    }

    private static String cstring(ByteBuf body, int from) {
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        return body.toString(from, end - from, StandardCharsets.UTF_8);
    }

    // --- what the client sends ---

    /** 'E' | int32 9 | "" | int32 0: the unnamed portal, all rows. */
    private static final byte[] EXECUTE = {'E', 0, 0, 0, 9, 0, 0, 0, 0, 0};

    private static byte[] query(String sql) {
        return frame('Q', cstr(sql));
    }

    /** A Parse that declares no parameter types: the backend infers them. */
    private static byte[] parse(String name, String sql) {
        return frame('P', cstr(name), cstr(sql), i16(0));
    }

    /** A Bind of the unnamed portal to {@code statement} with text values and text results. */
    private static byte[] bind(String statement, String... values) {
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        fields.writeBytes(concat(cstr(""), cstr(statement), i16(0), i16(values.length)));
        for (String value : values) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            fields.writeBytes(concat(i32(bytes.length), bytes));
        }
        fields.writeBytes(i16(0));
        return frame('B', fields.toByteArray());
    }

    /** 'S' | int32 4 */
    private static byte[] sync() {
        return new byte[] {'S', 0, 0, 0, 4};
    }
}
