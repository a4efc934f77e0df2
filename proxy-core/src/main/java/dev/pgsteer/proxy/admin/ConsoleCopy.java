package dev.pgsteer.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * A {@code COPY KEYS ... FROM STDIN} of the console in progress: the rows the client sends, held
 * until CopyDone (at most {@link KeyAdmin.KeyCopy#MAX_BYTES}), and the statements of the same Query
 * that come after it, run once it is done. See PostgreSQL's protocol, "COPY Operations".
 */
final class ConsoleCopy {
    private final KeyAdmin.KeyCopy command;
    private final List<String> parts;
    private final int next;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private boolean tooLarge;

    ConsoleCopy(KeyAdmin.KeyCopy command, List<String> parts, int next) {
        this.command = command;
        this.parts = parts;
        this.next = next;
    }

    /** {@code 'G' | int32 len | int8 format (text) | int16 columns (2) | int16 format of each (text)}. */
    static ByteBuf copyInResponse(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(12);
        out.writeByte('G').writeInt(11).writeByte(0).writeShort(2).writeShort(0).writeShort(0);
        return out;
    }

    /** One CopyData's bytes; past the limit the rest is dropped and CopyDone answers with the error. */
    void take(ByteBuf body) {
        if (tooLarge || data.size() + body.readableBytes() > KeyAdmin.KeyCopy.MAX_BYTES) {
            tooLarge = true;
            return;
        }
        byte[] bytes = new byte[body.readableBytes()];
        body.getBytes(body.readerIndex(), bytes);
        data.writeBytes(bytes);
    }

    boolean tooLarge() {
        return tooLarge;
    }

    byte[] rows() {
        return data.toByteArray();
    }

    KeyAdmin.KeyCopy command() {
        return command;
    }

    List<String> parts() {
        return parts;
    }

    int next() {
        return next;
    }
}
