package dev.pgsteer.proxy.client;

import io.netty.channel.Channel;
import java.util.Map;

/** Sessions as a login leaves them (user, database, key, startup settings), for relay tests outside this package. */
public final class TestSessions {
    private TestSessions() {
    }

    public static ClientSession authenticated(Channel channel, String user, String database, Map<String, String> startup) {
        ClientSession session = new ClientSession(channel);
        session.identify(user, database);
        session.keys(4242, 1717);
        session.settings(SessionSettings.fromStartup(startup));
        return session;
    }
}
