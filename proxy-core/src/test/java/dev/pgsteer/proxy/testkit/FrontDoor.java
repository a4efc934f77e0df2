package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.proxy.client.ClientHandler;
import dev.pgsteer.proxy.client.ClientServices;
import dev.pgsteer.proxy.client.SessionRelays;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.server.RelayFactory;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Map;

/**
 * A client's connection to pgsteer's front door on an {@link EmbeddedChannel}: the clients' framing,
 * the encoder and a {@link ClientHandler}, as PgSteerServer's pipeline has them without TLS and
 * traffic counting. The test writes the client's bytes in and reads pgsteer's answers back
 * ({@link WireMessage#readAll}).
 */
public final class FrontDoor {
    private FrontDoor() {
    }

    /** Sessions that log in here are opened by {@code relays}. */
    public static EmbeddedChannel open(ClientServices services, SessionRelays relays) {
        return new EmbeddedChannel(PgFrameDecoder.forClients(PgFrameDecoder.MAX_STARTUP_PACKET),
                PgMessageEncoder.INSTANCE, new ClientHandler(services, relays));
    }

    /**
     * A started server for sessions that need no backend: trust logins, the admin {@code ops}, and a
     * database whose backend does not answer. {@code source} names the configuration in messages.
     */
    public static PgSteerServer consoleServer(String source) throws Exception {
        return new PgSteerServer(ConfigLoader.parse("""
                listen: 127.0.0.1:0
                http: off
                auth: trust
                users:
                  ops: { password: x, admin: true }
                backends:
                  main: { url: "postgresql://app:secret@127.0.0.1:1/app" }
                databases:
                  app: { shards: [main] }
                """, source, Map.of())).start();
    }

    /** Sessions that log in here get the relays {@code server}'s runtime makes. */
    public static EmbeddedChannel open(PgSteerServer server) {
        return open(server.context(), new RelayFactory(server.context()));
    }
}
