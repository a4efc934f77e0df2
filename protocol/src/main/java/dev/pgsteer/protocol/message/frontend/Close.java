package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** {@code 'C' | int32 len | byte 'S' or 'P' | cstring name}: a view over a Close frame, which the caller keeps owning. */
public final class Close {
    private final Frame frame;

    private Close(Frame frame) {
        this.frame = frame;
    }

    public static Close of(Frame frame) {
        return new Close(Frontend.CLOSE.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    public Target target() {
        return Target.of(StatementFrames.targetKind(frame));
    }

    public String name() {
        return StatementFrames.targetName(frame);
    }

    /** Whether it names the unnamed statement or portal, told without decoding the name. */
    public boolean unnamed() {
        return StatementFrames.targetsUnnamed(frame);
    }

    public static ByteBuf encode(ByteBufAllocator alloc, Target target, String name) {
        return StatementFrames.target(alloc, Frontend.CLOSE.code(), target.code(), name);
    }

    @Override
    public String toString() {
        return "Close(" + target() + " " + name() + ")";
    }
}
