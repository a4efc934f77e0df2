package dev.pgsteer.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * Bytes of a streamed message after its {@link FrameHead}, as they were read: written on unchanged,
 * right behind the head. {@link #last()} marks the end of the message; a frame or a new head follows.
 */
public final class FrameChunk extends DefaultByteBufHolder {
    private final boolean last;

    public FrameChunk(ByteBuf bytes, boolean last) {
        super(bytes);
        this.last = last;
    }

    public boolean last() {
        return last;
    }

    @Override
    public FrameChunk retain() {
        super.retain();
        return this;
    }

    @Override
    public FrameChunk replace(ByteBuf content) {
        return new FrameChunk(content, last);
    }

    @Override
    public String toString() {
        return "FrameChunk(" + content().readableBytes() + " bytes" + (last ? ", last)" : ")");
    }
}
