package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.backend.EmptyBackendMessage;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;

/**
 * What pgsteer itself answers a sharded session's client: a command's tag, a notice, or a statement's
 * error. An error fails the statement: the rest of the unit is skipped and an explicit transaction is
 * aborted, as in PostgreSQL ({@code onFailure}, given by the relay that owns the unit).
 */
public final class ClientReplies {
    private final Channel client;
    private final Runnable onFailure;
    /**
     * pgsteer's own acknowledgements (ParseComplete, BindComplete, CloseComplete) not written yet:
     * they go out just before the next message to the client. Written at once, the client's read
     * would end by flushing them alone, a send of five bytes and a wake-up of the client per statement
     * before the shard's answer; held, they leave with it, as a server's would.
     */
    private final List<Object> held = new ArrayList<>(2);

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
        releaseHeld();
        client.write(error, client.voidPromise());
        failed();
    }

    /** The statement failed and the client has heard why (a shard's error, relayed). */
    public void failed() {
        onFailure.run();
    }

    public void complete(String tag) {
        releaseHeld();
        client.write(new CommandComplete(tag), client.voidPromise());
    }

    public void notice(SqlState state, String message) {
        releaseHeld();
        client.write(ProxyErrors.notice(state, message), client.voidPromise());
    }

    /** A message pgsteer made (a row of its own, an acknowledgement), written now and flushed later. */
    public void write(Object message) {
        releaseHeld();
        client.write(message, client.voidPromise());
    }

    /**
     * An acknowledgement of the client's Parse, Bind or Close, written before the next message to the
     * client: whoever writes to it other than through these methods calls {@link #releaseHeld} first.
     */
    public void hold(EmptyBackendMessage acknowledgement) {
        held.add(acknowledgement);
    }

    /** Writes the acknowledgements held, in order (not flushed): the next message to the client follows them. */
    public void releaseHeld() {
        if (!held.isEmpty()) {
            for (Object acknowledgement : held) {
                client.write(acknowledgement, client.voidPromise());
            }
            held.clear();
        }
    }
}
