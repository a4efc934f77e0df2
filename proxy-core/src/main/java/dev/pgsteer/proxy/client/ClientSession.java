package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.message.BackendMessage;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Map;

/**
 * The state of one client connection, as enums and a few values: its phase, its transaction status
 * as the client last saw it, who it is, and the settings it expects. The login and the relay act on
 * it; neither keeps a second copy.
 */
public final class ClientSession {
    private final Channel channel;
    private Phase phase = Phase.STARTUP;
    private TransactionStatus transactionStatus = TransactionStatus.IDLE;
    private String user;
    private String database;
    private SessionSettings settings = new SessionSettings();
    private int processId;
    private int secretKey;
    private final Instant connectedAt = Instant.now();
    /** A Query, Sync or FunctionCall was read and its ReadyForQuery not sent yet: the session is "active". */
    private boolean awaitingReady;
    /** Why the session keeps its backend connection(s), or null while it does not. */
    private String pinnedBy;
    /** The FATAL error that ended the session, for its disconnect line; null when the client left. */
    private ErrorResponse endedBy;

    ClientSession(Channel channel) {
        this.channel = channel;
    }

    /**
     * A session as a successful login leaves it: identified, with its cancel key and the settings of
     * its startup packet, waiting for its relay to connect. For a relay built without the front door,
     * as relay tests build one; production sessions are made by ClientHandler and filled in by
     * ClientLogin step by step, so nothing calls this at run time.
     */
    public static ClientSession loggedIn(Channel channel, String user, String database, int processId, int secretKey,
                                         Map<String, String> startup) {
        ClientSession session = new ClientSession(channel);
        session.identify(user, database);
        session.keys(processId, secretKey);
        session.settings(SessionSettings.fromStartup(startup));
        session.phase(Phase.CONNECTING);
        return session;
    }

    /** What the admin console shows of a session (SHOW CLIENTS). */
    public record Snapshot(int id, String user, String database, String state, String address, Integer port,
                           Instant connectedAt, String applicationName, String pinnedBy) {
        public boolean pinned() {
            return pinnedBy != null;
        }
    }

    /**
     * This session as the admin console shows it. Call it on the session's event loop, where its
     * fields are written, so the hot path pays for no volatile or lock.
     */
    public Snapshot snapshot() {
        SocketAddress remote = channel.remoteAddress();
        String address = remote == null ? null : remote.toString();
        Integer port = null;
        if (remote instanceof InetSocketAddress inet) {
            address = inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
            port = inet.getPort();
        }
        return new Snapshot(processId, user, database, state(), address, port, connectedAt,
                settings.wanted().get("application_name"), pinnedBy);
    }

    /** In pg_stat_activity's words where they fit: idle, active, idle in transaction, idle in transaction (aborted). */
    String state() {
        return switch (phase) {
            case STARTUP, AUTHENTICATING -> "login";
            case CONNECTING -> "connecting";
            case CLOSED -> "closed";
            case READY, FAILED_UNTIL_SYNC -> awaitingReady ? "active" : switch (transactionStatus) {
                case IDLE -> "idle";
                case IN_TRANSACTION -> "idle in transaction";
                case FAILED -> "idle in transaction (aborted)";
            };
        };
    }

    /** The client sent a message of {@code type}; one that asks for a ReadyForQuery makes the session active. */
    void clientSent(byte type) {
        if (phase == Phase.READY && (type == 'Q' || type == 'S' || type == 'F')) {
            awaitingReady = true;
        }
    }

    public Instant connectedAt() {
        return connectedAt;
    }

    /** The session keeps its backend connection(s) until it ends, for {@code reason} (see the relays' pinning). */
    public void markPinned(String reason) {
        if (pinnedBy == null) {
            pinnedBy = reason;
        }
    }

    public Channel channel() {
        return channel;
    }

    public Phase phase() {
        return phase;
    }

    /** The login's steps (see {@link Phase}'s diagram): the front door's own. */
    void phase(Phase phase) {
        this.phase = phase;
    }

    /** Greeted, or a failed batch's Sync came: relaying. */
    public void ready() {
        phase = Phase.READY;
    }

    /** pgsteer failed an extended-protocol batch itself: the client's messages are dropped until its Sync. */
    public void failUntilSync() {
        phase = Phase.FAILED_UNTIL_SYNC;
    }

    /** The session is over (Terminate, a FATAL, the socket closed): nothing more is sent or relayed. */
    public void closed() {
        phase = Phase.CLOSED;
    }

    public TransactionStatus transactionStatus() {
        return transactionStatus;
    }

    /** Set when a ReadyForQuery goes to the client: it also ends the session's "active" state. */
    public void transactionStatus(TransactionStatus status) {
        this.transactionStatus = status;
        this.awaitingReady = false;
    }

    public String user() {
        return user;
    }

    public String database() {
        return database;
    }

    void identify(String user, String database) {
        this.user = user;
        this.database = database;
    }

    public SessionSettings settings() {
        return settings;
    }

    void settings(SessionSettings settings) {
        this.settings = settings;
    }

    public int processId() {
        return processId;
    }

    public int secretKey() {
        return secretKey;
    }

    void keys(int processId, int secretKey) {
        this.processId = processId;
        this.secretKey = secretKey;
    }

    public void send(BackendMessage message) {
        if (message instanceof ReadyForQuery) {
            awaitingReady = false;
        }
        channel.write(message, channel.voidPromise());
    }

    /** Sends a FATAL error and closes, as PostgreSQL does. */
    public void terminate(ErrorResponse error) {
        phase = Phase.CLOSED;
        if (endedBy == null) {
            endedBy = error;
        }
        if (channel.isActive()) {
            channel.writeAndFlush(error.withSeverity(ErrorResponse.Severity.FATAL)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The FATAL error pgsteer ended the session with, or null. */
    public ErrorResponse endedBy() {
        return endedBy;
    }

    /** For log lines: every line of a session carries it. */
    public String id() {
        return "c" + processId + (user == null ? "" : " " + user + "@" + database);
    }
}
