package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.channel.Channel;

/**
 * What pgsteer itself answers a sharded session's client: a command's tag, a notice, or a statement's
 * error. An error fails the statement: the rest of the unit is skipped and an explicit transaction is
 * aborted, as in PostgreSQL ({@code onFailure}, given by the relay that owns the unit).
 */
public final class ClientReplies {
    private final Channel client;
    private final Runnable onFailure;

    public ClientReplies(Channel client, Runnable onFailure) {
        this.client = client;
        this.onFailure = onFailure;
    }

    public Channel channel() {
        return client;
    }

    public void fail(SqlState state, String message) {
        fail(ProxyErrors.error(state, message));
    }

    /** A statement the router refused, with its SQLSTATE as the router gives it (the router knows no protocol enum). */
    public void fail(String sqlState, String message) {
        fail(ProxyErrors.error(sqlState, message, null));
    }

    /** The statement failed for {@code cause} (a shard that could not be leased, a commit that rolled back). */
    public void fail(Throwable cause) {
        fail(ProxyErrors.of(cause, ErrorResponse.Severity.ERROR));
    }

    public void fail(ErrorResponse error) {
        client.write(error, client.voidPromise());
        failed();
    }

    /** The statement failed and the client has heard why (a shard's error, relayed). */
    public void failed() {
        onFailure.run();
    }

    public void complete(String tag) {
        client.write(new CommandComplete(tag), client.voidPromise());
    }

    public void notice(SqlState state, String message) {
        client.write(ProxyErrors.notice(state, message), client.voidPromise());
    }

    /** A message pgsteer made (a row of its own, an acknowledgement), written now and flushed later. */
    public void write(Object message) {
        client.write(message, client.voidPromise());
    }
}
