package dev.pgsteer.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.router.session.SessionRoute;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
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

    private List<Message> logIn(SessionRelays.NewRelay answer, String... startup) {
        SessionRelays relays = session -> SessionRelays.Opening.of(session, server.context().router(), route -> {
            asked.add(route);
            startupTenantWhenAsked.add(session.settings().wanted().get("pgsteer.tenant"));
            return answer;
        });
        channel = new EmbeddedChannel(PgFrameDecoder.forClients(PgFrameDecoder.MAX_STARTUP_PACKET),
                PgMessageEncoder.INSTANCE, new ClientHandler(server.context(), relays));
        channel.writeInbound(Unpooled.wrappedBuffer(startup(startup)));
        return answers();
    }

    @Test
    void aSessionLetInGetsTheRelayMadeForItsRoute() {
        List<Message> answers = logIn(new SessionRelays.NewRelay(relay, "relaying to test", type -> type == 'B'),
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
        List<Message> answers = logIn(SessionRelays.NewRelay.readingWhole(relay, "never"), "user", "app", "database", "nosuch");

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
        List<Message> answers = logIn(SessionRelays.NewRelay.readingWhole(relay, "never"),
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

    // --- what the channel wrote ---

    private record Message(char type, byte[] body) {
        Map<Character, String> fields() {
            Map<Character, String> fields = new LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return fields;
        }
    }

    private List<Message> answers() {
        channel.runPendingTasks();
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            buf.release();
            written.writeBytes(bytes);
        }
        ByteBuffer in = ByteBuffer.wrap(written.toByteArray());
        List<Message> messages = new ArrayList<>();
        while (in.hasRemaining()) {
            char type = (char) in.get();
            byte[] body = new byte[in.getInt() - 4];
            in.get(body);
            messages.add(new Message(type, body));
        }
        return messages;
    }

    private static String types(List<Message> messages) {
        StringBuilder types = new StringBuilder();
        messages.forEach(m -> types.append(m.type()));
        return types.toString();
    }

    // --- what the client sends ---

    /** A startup packet of protocol 3.0 with these names and values. */
    private static byte[] startup(String... parameters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String text : parameters) {
            body.writeBytes(cstr(text));
        }
        body.write(0);
        byte[] bytes = body.toByteArray();
        return concat(i32(8 + bytes.length), i32(3 << 16), bytes);
    }

    /** A Bind of one text value longer than the size above which a relay may take messages in pieces. */
    private static byte[] largeBind() {
        byte[] value = new byte[PgFrameDecoder.STREAM_ABOVE + 1];
        Arrays.fill(value, (byte) 'x');
        return frame('B', cstr(""), cstr(""), i16(0), i16(1), i32(value.length), value, i16(0));
    }

    private static byte[] frame(char type, byte[]... fields) {
        byte[] body = concat(fields);
        return concat(new byte[] {(byte) type}, i32(4 + body.length), body);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] cstr(String text) {
        return concat(text.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    private static byte[] i16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }

    private static byte[] i32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }
}
