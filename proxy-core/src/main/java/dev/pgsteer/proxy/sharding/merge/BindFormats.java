package dev.pgsteer.proxy.sharding.merge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The Bind each shard gets when the merge adds hidden columns. Byte handling only, to move to protocol's message types later. */
public final class BindFormats {
    private BindFormats() {
    }

    /**
     * A Bind whose result format codes cover {@code hidden} more columns: with one code per column
     * (pgjdbc's binary transfer), the shard's SELECT has more columns than the client's. The hidden
     * ones come as text. Takes ownership of {@code bind}.
     *
     * <pre>
     * Bind 'B' | int32 len | cstring portal | cstring statement | int16 n | int16 format * n
     *      | int16 p | (int32 len | byte * len) * p | int16 r | int16 resultFormat * r
     * </pre>
     */
    public static ByteBuf widenResultFormats(ByteBuf bind, int hidden, ByteBufAllocator alloc) {
        int at = bind.readerIndex() + 5;
        at = bind.indexOf(at, bind.writerIndex(), (byte) 0) + 1;
        at = bind.indexOf(at, bind.writerIndex(), (byte) 0) + 1;
        at += 2 + 2 * bind.getShort(at);
        int parameters = bind.getShort(at);
        at += 2;
        for (int i = 0; i < parameters; i++) {
            at += 4 + Math.max(bind.getInt(at), 0);
        }
        int formats = bind.getShort(at);
        if (formats <= 1 || hidden == 0) {
            return bind;
        }
        ByteBuf wider = alloc.buffer(bind.readableBytes() + 2 * hidden);
        wider.writeBytes(bind, bind.readerIndex(), at - bind.readerIndex());
        wider.writeShort(formats + hidden);
        wider.writeBytes(bind, at + 2, 2 * formats);
        for (int i = 0; i < hidden; i++) {
            wider.writeShort(0);
        }
        wider.setInt(wider.readerIndex() + 1, wider.readableBytes() - 1);
        bind.release();
        return wider;
    }
}
