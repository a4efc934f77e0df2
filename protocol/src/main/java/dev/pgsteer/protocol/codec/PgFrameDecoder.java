package dev.pgsteer.protocol.codec;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a byte stream into PostgreSQL messages: untyped startup packets first (on the side facing
 * clients), then typed frames. Lengths are checked against a bound before a single byte of the body
 * is buffered, so a hostile length cannot make us allocate.
 *
 * <p>Every message is buffered until it is whole, unless its consumer asked for large messages of
 * some types in pieces ({@link #streamLarge}): one longer than the threshold comes as a
 * {@link FrameHead} of its first {@link #STREAM_HEAD} bytes, then as {@link FrameChunk}s of the
 * bytes as they are read, each a slice of the read buffer, so a 500 MB value never sits in memory
 * whole. A small message costs what it did before: one comparison more.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS">Messaging overview</a>
 */
public final class PgFrameDecoder extends ByteToMessageDecoder {
    /** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_PACKET = 10_000;
    /** PostgreSQL refuses messages of 1 GB and more (PQ_LARGE_MESSAGE_LIMIT). */
    public static final int MAX_MESSAGE = 0x3fff_ffff;
    /**
     * Messages longer than this may be streamed: large enough that the head, the chunk objects and
     * their hops cost nothing next to the bytes, small enough that what a stream holds is bounded by
     * the socket buffers rather than by the message.
     */
    public static final int STREAM_ABOVE = 256 * 1024;
    /**
     * What a {@link FrameHead} holds: the header and the start of the body, where the names of a
     * Bind are (PostgreSQL keeps 63 bytes of a name), and its parameter formats.
     */
    public static final int STREAM_HEAD = 8 * 1024;

    /** Which types of message a consumer takes in pieces when they are large. */
    @FunctionalInterface
    public interface StreamedTypes {
        /** Asked at the header of each message longer than the threshold, on the channel's event loop. */
        boolean streams(byte type);
    }

    enum State {
        /** Waiting for a startup packet: int32 length | int32 code | payload. SSL and GSS requests keep us here. */
        STARTUP,
        /** Typed frames: byte type | int32 length (counting itself) | body. */
        MESSAGES,
        /** Inside a streamed message: the bytes read are its rest, up to {@link #toFollow}. */
        STREAMING,
        /** A violation was reported; everything that follows is dropped until the channel closes. */
        BAD_MESSAGE
    }

    private State state;
    private int maxMessageSize;
    /**
     * Frames come from a client: their type is checked as soon as it arrives and their length
     * against their type's limit, as PostgreSQL does before it reads a body. Their layout is checked
     * once whole, where they reach a session ({@link FrontendFrames}), or piece by piece when streamed.
     */
    private final boolean fromClient;
    /** Messages longer than this are streamed if {@link #streamed} says so; never until {@link #streamLarge}. */
    private int streamAbove = Integer.MAX_VALUE;
    private StreamedTypes streamed;
    /** Bytes of the streamed message not passed on yet. */
    private int toFollow;

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

    /** From now on, messages longer than {@code aboveBytes} of the types {@code types} accepts come in pieces. */
    public void streamLarge(int aboveBytes, StreamedTypes types) {
        if (aboveBytes < STREAM_HEAD) {
            throw new IllegalArgumentException("a streamed message must be longer than its head: " + aboveBytes);
        }
        this.streamAbove = aboveBytes;
        this.streamed = types;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            while (state != State.BAD_MESSAGE) {
                Object message = state == State.MESSAGES ? readFrame(in) : state == State.STREAMING ? readChunk(in) : readStartup(in);
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
        if (length > streamAbove && streamed.streams(type)) {
            return readHead(in, whole);
        }
        if (in.readableBytes() < whole) {
            return null;
        }
        return new Frame(in.readRetainedSlice(whole));
    }

    private FrameHead readHead(ByteBuf in, int whole) {
        if (in.readableBytes() < STREAM_HEAD) {
            return null;
        }
        toFollow = whole - STREAM_HEAD;
        state = State.STREAMING;
        return new FrameHead(in.readRetainedSlice(STREAM_HEAD), toFollow);
    }

    /** What was read of the streamed message's rest; nothing until a byte of it is there. */
    private FrameChunk readChunk(ByteBuf in) {
        int n = Math.min(in.readableBytes(), toFollow);
        if (n == 0) {
            return null;
        }
        toFollow -= n;
        boolean last = toFollow == 0;
        if (last) {
            state = State.MESSAGES;
        }
        return new FrameChunk(in.readRetainedSlice(n), last);
    }

    private static String printable(byte type) {
        return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("\\x%02x", type);
    }
}
