package dev.pgsteer.proxy.sharding.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;


/** The Bind a shard gets when the merge asks it for hidden columns too. */
class BindFormatsTest {

    @Test
    void aBindWithOneResultFormatPerColumnGetsTextFormatsForTheHiddenOnes() {
        ByteBuf bind = Unpooled.buffer();
        int length = Wire.beginMessage(bind, 'B');
        Wire.writeCString(bind, "");
        Wire.writeCString(bind, "S_1");
        bind.writeShort(1).writeShort(1).writeShort(1).writeInt(4).writeInt(7).writeShort(2).writeShort(1).writeShort(0);
        Wire.endMessage(bind, length);

        ByteBuf wider = BindFormats.widenResultFormats(bind, 2, ByteBufAllocator.DEFAULT);

        // 'B' | len 33 | "" | "S_1" | 1 format: binary | 1 parameter: int4 7 | 4 result formats: binary, text, text, text
        assertEquals("4200000021" + "00" + "535f3100" + "0001" + "0001" + "0001" + "00000004" + "00000007"
                + "0004" + "0001" + "0000" + "0000" + "0000", ByteBufUtil.hexDump(wider));
        wider.release();
    }
}
