package dev.pgsteer.protocol.codec;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a byte stream into PostgreSQL messages: untyped startup packets first (on the side facing
 * clients), then typed frames. Lengths are checked against a bound before a single byte of the body
 * is buffered, so a hostile length cannot make us allocate.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS">Messaging overview</a>
 */
public final class PgFrameDecoder extends ByteToMessageDecoder {
    /** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_PACKET = 10_000;
    /** PostgreSQL refuses messages of 1 GB and more (PQ_LARGE_MESSAGE_LIMIT). */
    public static final int MAX_MESSAGE = 0x3fff_ffff;

    enum State {
        /** Waiting for a startup packet: int32 length | int32 code | payload. SSL and GSS requests keep us here. */
        STARTUP,
        /** Typed frames: byte type | int32 length (counting itself) | body. */
        MESSAGES,
        /** A violation was reported; everything that follows is dropped until the channel closes. */
        BAD_MESSAGE
    }

    private State state;
    private int maxMessageSize;
    /**
     * Frames come from a client: their type is checked as soon as it arrives and their length
     * against their type's limit, as PostgreSQL does before it reads a body. Their layout is checked
     * once whole, where they reach a session ({@link FrontendFrames}).
     */
    private final boolean fromClient;

    private PgFrameDecoder(State initial, int maxMessageSize, boolean fromClient) {
        this.state = initial;
        this.maxMessageSize = maxMessageSize;
        this.fromClient = fromClient;
    }

    /** For a client connection: startup packets, then frames of at most {@code maxMessageSize} bytes. */
    public static PgFrameDecoder forClients(int maxMessageSizeBeforeAuth) {
        return new PgFrameDecoder(State.STARTUP, maxMessageSizeBeforeAuth, true);
    }

    /** For a backend connection: frames only. */
    public static PgFrameDecoder forBackends() {
        return new PgFrameDecoder(State.MESSAGES, MAX_MESSAGE, false);
    }

    /** Raised once a client has authenticated: before that, only small messages are accepted. */
    public void maxMessageSize(int bytes) {
        this.maxMessageSize = bytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            while (state != State.BAD_MESSAGE) {
                Object message = state == State.STARTUP ? readStartup(in) : readFrame(in);
                if (message == null) {
                    return;
                }
                out.add(message);
                if (state == State.STARTUP && message instanceof StartupPacket packet && !packet.awaitsAnotherStartupPacket()) {
                    state = State.MESSAGES;
                    // A cancel request or a session start ends this phase; bytes after it are the next phase's.
                    return;
                }
            }
            in.skipBytes(in.readableBytes());
        } catch (ProtocolViolationException e) {
            state = State.BAD_MESSAGE;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private StartupPacket readStartup(ByteBuf in) {
        if (in.readableBytes() < 8) {
            return null;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_PACKET) {
            throw new ProtocolViolationException("invalid length of startup packet: " + length);
        }
        if (in.readableBytes() < length) {
            return null;
        }
        ByteBuf packet = in.slice(in.readerIndex() + 4, length - 4);
        StartupPacket decoded = StartupPacket.decode(packet);
        if (decoded.awaitsAnotherStartupPacket() && in.readableBytes() > length) {
            // The client must wait for the one-byte answer: bytes sent before it were not protected by
            // the encryption being negotiated, and must not be read as if they were (CVE-2021-23214).
            throw new ProtocolViolationException("received unencrypted data after "
                    + (decoded instanceof StartupPacket.SslRequest ? "SSL" : "GSSAPI encryption") + " request");
        }
        in.skipBytes(length);
        return decoded;
    }

    private Frame readFrame(ByteBuf in) {
        int start = in.readerIndex();
        if (fromClient && in.isReadable() && !FrontendFrames.isFrontendType(in.getByte(start))) {
            // Garbage: PostgreSQL refuses it from the type byte, without waiting for a length.
            throw FrontendFrames.invalidType(in.getByte(start)).exception();
        }
        if (in.readableBytes() < Frame.HEADER_LENGTH) {
            return null;
        }
        byte type = in.getByte(start);
        int length = in.getInt(start + 1);
        if (length < 4) {
            throw new ProtocolViolationException("invalid message length " + length + " for message type '" + printable(type) + "'");
        }
        if (fromClient && FrontendFrames.isSmall(type) && length > FrontendFrames.SMALL_MESSAGE_LIMIT) {
            throw new ProtocolViolationException("invalid message length " + length + " for message type '" + printable(type)
                    + "', more than the " + FrontendFrames.SMALL_MESSAGE_LIMIT + " bytes PostgreSQL allows it");
        }
        if (length > maxMessageSize) {
            throw new ProtocolViolationException(SqlState.PROGRAM_LIMIT_EXCEEDED,
                    "message of type '" + printable(type) + "' is " + length + " bytes, more than the limit of " + maxMessageSize);
        }
        int whole = length + 1;
        if (in.readableBytes() < whole) {
            return null;
        }
        return new Frame(in.readRetainedSlice(whole));
    }

    private static String printable(byte type) {
        return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("\\x%02x", type);
    }
}
