package dev.pgsteer.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The console's result messages, byte for byte. */
class ResultEncoderTest {
    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final List<Column> COLUMNS = List.of(Column.text("pool"), Column.int8("sv_idle"), Column.bool("pinned"));

    private static byte[] bytes(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void aRowDescriptionNamesTypesAndFormats() {
        byte[] expected = {
                'T', 0, 0, 0, 80, 0, 3,
                'p', 'o', 'o', 'l', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, -1, -1, -1, -1, -1, -1, 0, 0,
                's', 'v', '_', 'i', 'd', 'l', 'e', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 8, -1, -1, -1, -1, 0, 1,
                'p', 'i', 'n', 'n', 'e', 'd', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 1, -1, -1, -1, -1, 0, 1};
        assertArrayEquals(expected, bytes(ResultEncoder.rowDescription(ALLOC, COLUMNS, new short[] {0, 1, 1})));
    }

    @Test
    void aTextRowWritesNumbersAsDigitsBooleansAsTAndNullAsMinusOne() {
        byte[] expected = {'D', 0, 0, 0, 23, 0, 3, 0, 0, 0, 2, 's', '0', 0, 0, 0, 2, '1', '2', 0, 0, 0, 1, 't'};
        assertArrayEquals(expected, bytes(ResultEncoder.dataRow(ALLOC, COLUMNS, List.of("s0", 12L, true), new short[0])));
        byte[] withNull = {'D', 0, 0, 0, 20, 0, 3, -1, -1, -1, -1, 0, 0, 0, 1, '0', 0, 0, 0, 1, 'f'};
        assertArrayEquals(withNull, bytes(ResultEncoder.dataRow(ALLOC, COLUMNS, Arrays.asList(null, 0L, false), new short[0])));
    }

    @Test
    void aBinaryRowWritesInt8AsEightBytes() {
        byte[] expected = {'D', 0, 0, 0, 29, 0, 3, 0, 0, 0, 2, 's', '0', 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1, 1};
        assertArrayEquals(expected, bytes(ResultEncoder.dataRow(ALLOC, COLUMNS, List.of("s0", 258L, true), new short[] {1})));
    }

    @Test
    void parameterDescriptionOfNoParameters() {
        assertArrayEquals(new byte[] {'t', 0, 0, 0, 6, 0, 0}, bytes(ResultEncoder.noParameters(ALLOC)));
    }
}
