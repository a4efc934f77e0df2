package dev.pgsteer.protocol.wire;

import dev.pgsteer.protocol.codec.PgFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One complete typed message exactly as it crossed the wire: {@code byte type | int32 length | body}.
 * Relaying writes {@link #content()} unchanged; only what routing needs is decoded, from {@link #body()}.
 *
 * <p>The one exception is a {@link FrameHead}: only the start of a message too large to hold, whose
 * rest follows as {@link FrameChunk}s. A decoder hands those out only to a consumer that asked for
 * them ({@link PgFrameDecoder#streamLarge}); everywhere else every frame is whole.
 */
public sealed class Frame extends DefaultByteBufHolder permits FrameHead {
    public static final int HEADER_LENGTH = 5;

    public Frame(ByteBuf wholeFrame) {
        super(wholeFrame);
    }

    public byte type() {
        return content().getByte(content().readerIndex());
    }

    /** The bytes after the length word, as a slice that shares this frame's reference count. */
    public ByteBuf body() {
        ByteBuf whole = content();
        return whole.slice(whole.readerIndex() + HEADER_LENGTH, whole.readableBytes() - HEADER_LENGTH);
    }

    public int length() {
        return content().readableBytes();
    }

    /** Bytes of this message that are not in {@link #content()} but follow it as {@link FrameChunk}s: none for a whole frame. */
    public int bytesToFollow() {
        return 0;
    }

    @Override
    public Frame retain() {
        super.retain();
        return this;
    }

    @Override
    public Frame replace(ByteBuf content) {
        return new Frame(content);
    }

    @Override
    public String toString() {
        return "Frame('" + (char) type() + "', " + length() + " bytes)";
    }
}
