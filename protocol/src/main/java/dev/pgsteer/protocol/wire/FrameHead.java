package dev.pgsteer.protocol.wire;

import dev.pgsteer.protocol.codec.PgFrameDecoder;
import io.netty.buffer.ByteBuf;

/**
 * The start of a message too large to be held whole (a Bind or a DataRow carrying a value of
 * hundreds of megabytes): its type, its length word, which counts the whole message, and the first
 * {@link PgFrameDecoder#STREAM_HEAD} bytes. The other {@link #bytesToFollow()} bytes come next, as
 * {@link FrameChunk}s read from the socket, the last one marked; no other message comes between.
 *
 * <p>It is a {@link Frame} so that it can wait, be renamed and be written where a whole frame would
 * be, in order with the frames around it: what reads it must only look at its first bytes (the names
 * at the start of a Bind), never at its end.
 */
public final class FrameHead extends Frame {
    private final int bytesToFollow;

    public FrameHead(ByteBuf head, int bytesToFollow) {
        super(head);
        this.bytesToFollow = bytesToFollow;
    }

    @Override
    public int bytesToFollow() {
        return bytesToFollow;
    }

    @Override
    public FrameHead retain() {
        super.retain();
        return this;
    }

    /** The same head with other bytes (a renamed Bind): the rest of the message still follows it. */
    @Override
    public FrameHead replace(ByteBuf content) {
        return new FrameHead(content, bytesToFollow);
    }

    @Override
    public String toString() {
        return "FrameHead('" + (char) type() + "', " + length() + " bytes, " + bytesToFollow + " to follow)";
    }
}
