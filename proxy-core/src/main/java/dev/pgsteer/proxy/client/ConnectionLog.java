package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.message.ErrorResponse;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line per connection event, each starting with the session id (logger
 * {@code dev.pgsteer.connection}): a connection from an address, an authenticated login and what it
 * reaches, a refused login with its reason, a disconnect with how long the connection lasted. Lines
 * name users and databases, never passwords: password messages and startup packets are not logged.
 */
public final class ConnectionLog {
    private static final Logger log = LoggerFactory.getLogger("dev.pgsteer.connection");

    private ConnectionLog() {
    }

    public static void connected(ClientSession session) {
        log.info("{}: connection from {}", session.id(), address(session.channel().remoteAddress()));
    }

    /** Logged in; {@code reaches} says where its statements go (a pool, shards, the admin console). */
    public static void authenticated(ClientSession session, String reaches) {
        log.info("{}: authenticated, {}", session.id(), reaches);
    }

    /** The login was refused with {@code error} (wrong password, unknown database, not an admin, ...). */
    public static void loginFailed(ClientSession session, ErrorResponse error) {
        log.info("{}: login failed: {} (SQLSTATE {})", session.id(), error.message(), error.sqlState());
    }

    /** The client's connection closed; {@code reason} is the FATAL error pgsteer sent it, or null. */
    public static void disconnected(ClientSession session, ErrorResponse reason) {
        long millis = Duration.between(session.connectedAt(), Instant.now()).toMillis();
        if (reason == null) {
            log.info("{}: disconnected after {}.{} s", session.id(), millis / 1000, String.format("%03d", millis % 1000));
        } else {
            log.info("{}: disconnected after {}.{} s: {} (SQLSTATE {})", session.id(), millis / 1000,
                    String.format("%03d", millis % 1000), reason.message(), reason.sqlState());
        }
    }

    private static String address(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return (inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress()) + ":" + inet.getPort();
        }
        return String.valueOf(remote);
    }
}
