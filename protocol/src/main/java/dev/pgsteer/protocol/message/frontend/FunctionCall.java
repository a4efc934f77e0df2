package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;

/**
 * {@code 'F' | int32 len | int32 oid | int16 nf | int16 format * nf | int16 n
 * | (int32 len (-1: NULL) | byte * len) * n | int16 resultFormat}: a view over a FunctionCall frame,
 * which the caller keeps owning. pgsteer only relays these (or refuses them), so the view reads no
 * more than which function is called and with how many arguments.
 */
public final class FunctionCall {
    private final Frame frame;

    private FunctionCall(Frame frame) {
        this.frame = frame;
    }

    public static FunctionCall of(Frame frame) {
        return new FunctionCall(Frontend.FUNCTION_CALL.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    public int functionOid() {
        ByteBuf body = frame.body();
        return body.getInt(body.readerIndex());
    }

    public int argumentCount() {
        ByteBuf body = frame.body();
        int formats = body.getUnsignedShort(body.readerIndex() + 4);
        return body.getUnsignedShort(body.readerIndex() + 6 + 2 * formats);
    }

    @Override
    public String toString() {
        return "FunctionCall(" + functionOid() + ", " + argumentCount() + " arguments)";
    }
}
