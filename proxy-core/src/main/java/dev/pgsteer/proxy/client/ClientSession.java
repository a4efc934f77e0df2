package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.message.BackendMessage;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.TransactionStatus;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

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

    ClientSession(Channel channel) {
        this.channel = channel;
    }

    public Channel channel() {
        return channel;
    }

    public Phase phase() {
        return phase;
    }

    public void phase(Phase phase) {
        this.phase = phase;
    }

    public TransactionStatus transactionStatus() {
        return transactionStatus;
    }

    public void transactionStatus(TransactionStatus status) {
        this.transactionStatus = status;
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
        channel.write(message, channel.voidPromise());
    }

    /** Sends a FATAL error and closes, as PostgreSQL does. */
    public void terminate(ErrorResponse error) {
        phase = Phase.CLOSED;
        if (channel.isActive()) {
            channel.writeAndFlush(error.withSeverity(ErrorResponse.Severity.FATAL)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** For log lines: every line of a session carries it. */
    public String id() {
        return "c" + processId + (user == null ? "" : " " + user + "@" + database);
    }
}
