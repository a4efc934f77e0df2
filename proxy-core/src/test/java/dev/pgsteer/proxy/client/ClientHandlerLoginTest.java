package dev.pgsteer.proxy.client;

import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.frame;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;
import static dev.pgsteer.proxy.testkit.RawBytes.startup;
import static dev.pgsteer.proxy.testkit.WireMessage.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.FrontDoor;
import dev.pgsteer.proxy.testkit.WireMessage;
import dev.pgsteer.router.session.SessionRoute;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the handler does once a client has logged in: it asks the router where the session goes, and
 * either refuses the login with the router's SQLSTATE, message and hint, or takes the relay its
 * {@link SessionRelays} makes for the route, connects it and hands it the session's frames. The
 * relays here record what they were asked; the router and the configuration are the real ones.
 */
class ClientHandlerLoginTest {
    private static PgSteerServer server;

    private final List<SessionRoute.Relayed> asked = new ArrayList<>();
    private final List<String> startupTenantWhenAsked = new ArrayList<>();
    private final RecordingRelay relay = new RecordingRelay();
    private EmbeddedChannel channel;

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
                  app: { shards: [main] }
                  saas: { shards: [main], tenancy: {} }
                tenants:
                  acme: { database: saas, mode: schema, shard: main }
                """, "login.yaml", Map.of())).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void closeChannel() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private List<WireMessage> logIn(SessionRelays.NewRelay answer, String... startup) {
        SessionRelays relays = session -> SessionRelays.Opening.of(session, server.context().router(), route -> {
            asked.add(route);
            startupTenantWhenAsked.add(session.settings().wanted().get("pgsteer.tenant"));
            return answer;
        });
        channel = FrontDoor.open(server.context(), relays);
        channel.writeInbound(Unpooled.wrappedBuffer(startup(startup)));
        return answers();
    }

    @Test
    void aSessionLetInGetsTheRelayMadeForItsRoute() {
        List<WireMessage> answers = logIn(new SessionRelays.NewRelay(relay, "relaying to test", type -> type == 'B'),
                "user", "app", "database", "app");

        ProxyContext.Snapshot snapshot = server.context().snapshot();
        assertEquals(List.of(new SessionRoute.SingleBackend(snapshot.config().databases().get("app"), "main", "app_db")), asked);
        assertEquals("R", types(answers), "AuthenticationOk; the relay greets the client, not the handler");
        assertTrue(relay.connected);

        channel.writeInbound(Unpooled.wrappedBuffer(frame('Q', cstr("SELECT 1"))));
        assertEquals(List.of("Q"), relay.frames);
        assertTrue(channel.isOpen());
    }

    /** The relay says which large messages it takes in pieces: those reach it as a head, then chunks. */
    @Test
    void aLargeMessageComesInPiecesOnlyToARelayThatStreamsIt() {
        logIn(new SessionRelays.NewRelay(relay, "streaming", type -> type == 'B'), "user", "app", "database", "app");
        channel.writeInbound(Unpooled.wrappedBuffer(largeBind()));
        assertEquals(List.of("B head"), relay.frames);
        assertTrue(relay.chunks > 0);
        assertTrue(relay.lastChunk);

        closeChannel();
        RecordingRelay whole = new RecordingRelay();
        logIn(SessionRelays.NewRelay.readingWhole(whole, "whole"), "user", "app", "database", "app");
        channel.writeInbound(Unpooled.wrappedBuffer(largeBind()));
        assertEquals(List.of("B"), whole.frames);
        assertEquals(0, whole.chunks);
    }

    @Test
    void theStartupTenantIsTheRoutesAndLeftForTheRelayToTake() {
        logIn(SessionRelays.NewRelay.readingWhole(relay, "tenant"), "user", "app", "database", "saas", "pgsteer.tenant", "acme");

        ProxyContext.Snapshot snapshot = server.context().snapshot();
        assertEquals(List.of(new SessionRoute.TenantSession(snapshot.config().databases().get("saas"), null, "acme")), asked);
        assertEquals(List.of("acme"), startupTenantWhenAsked);
        assertTrue(relay.connected);
    }

    @Test
    void aRefusedLoginEndsWithTheRoutersErrorAndNoRelay() {
        List<WireMessage> answers = logIn(SessionRelays.NewRelay.readingWhole(relay, "never"), "user", "app", "database", "nosuch");

        assertEquals(List.of(), asked);
        assertFalse(relay.connected);
        assertEquals("RE", types(answers), "AuthenticationOk, then the refusal");
        Map<Character, String> fields = answers.getLast().fields();
        assertEquals("FATAL", fields.get('S'));
        assertEquals("3D000", fields.get('C'));
        assertEquals("database \"nosuch\" does not exist", fields.get('M'));
        assertEquals("pgsteer serves the databases listed under \"databases:\" in its configuration.", fields.get('H'));
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void aRefusalWithoutAHintHasNone() {
        List<WireMessage> answers = logIn(SessionRelays.NewRelay.readingWhole(relay, "never"),
                "user", "acme_app", "database", "app");

        assertEquals(List.of(), asked);
        Map<Character, String> fields = answers.getLast().fields();
        assertEquals("42501", fields.get('C'));
        assertEquals("user \"acme_app\" is pinned to tenant \"acme\" and may only connect to its database \"saas\"", fields.get('M'));
        assertNull(fields.get('H'));
    }

    /** A relay that only notes what reached it. */
    private static final class RecordingRelay implements SessionRelay {
        boolean connected;
        final List<String> frames = new ArrayList<>();
        int chunks;
        boolean lastChunk;

        @Override
        public void connect() {
            connected = true;
        }

        @Override
        public void onClientFrame(Frame frame) {
            frames.add((char) frame.type() + (frame instanceof FrameHead ? " head" : ""));
            frame.release();
        }

        @Override
        public void onClientChunk(FrameChunk chunk) {
            chunks++;
            lastChunk = chunk.last();
            chunk.release();
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

    private List<WireMessage> answers() {
        return WireMessage.readAll(channel);
    }

    // --- what the client sends ---

    /** A Bind of one text value longer than the size above which a relay may take messages in pieces. */
    private static byte[] largeBind() {
        byte[] value = new byte[PgFrameDecoder.STREAM_ABOVE + 1];
        Arrays.fill(value, (byte) 'x');
        return frame('B', cstr(""), cstr(""), i16(0), i16(1), i32(value.length), value, i16(0));
    }
}
