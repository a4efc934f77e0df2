package dev.pgsteer.proxy.testkit;

import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import io.netty.channel.Channel;
import java.util.Map;

/** Client sessions for relays under test, built without the front door: the one way tests make a {@link ClientSession}. */
public final class ClientSessions {
    /** The cancel key every test session gets. */
    private static final int PROCESS_ID = 4242;
    private static final int SECRET_KEY = 1717;

    private ClientSessions() {
    }

    /**
     * A session on {@code channel} as the login leaves it (user, database, key, the startup
     * packet's settings), for a relay whose {@code connect()} the test runs: it greets the client.
     */
    public static ClientSession loggedIn(Channel channel, String user, String database, Map<String, String> startup) {
        return ClientSession.loggedIn(channel, user, database, PROCESS_ID, SECRET_KEY, startup);
    }

    /** A session of app on shop, READY as after its greeting, for a relay the test does not connect. */
    public static ClientSession ready(Channel channel) {
        ClientSession session = loggedIn(channel, "app", "shop", Map.of());
        session.ready();
        return session;
    }
}
