package dev.pgsteer.proxy.relay.prepared;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Tells from a CommandComplete's tag, without decoding it, whether the statement may have changed
 * what other statements parse to: {@code CREATE ...} (a new function overload can make a call
 * ambiguous), {@code ALTER ...}, {@code DROP ...}, and {@code DO}, whose block may run any of them.
 * Checked on every CommandComplete, so it compares a few bytes and allocates nothing.
 */
final class CatalogChange {
    private static final byte[][] TAG_PREFIXES = {bytes("CREATE "), bytes("ALTER "), bytes("DROP ")};
    private static final byte[] DO = bytes("DO\0");

    private CatalogChange() {
    }

    /** Whether the CommandComplete body {@code tag} (a C string) is one of a statement that changed the catalog. */
    static boolean in(ByteBuf tag) {
        int start = tag.readerIndex();
        int length = tag.readableBytes();
        if (length < DO.length) {
            return false;
        }
        byte first = tag.getByte(start);
        if (first != 'C' && first != 'A' && first != 'D') {
            return false;
        }
        if (startsWith(tag, DO)) {
            return true;
        }
        for (byte[] prefix : TAG_PREFIXES) {
            if (startsWith(tag, prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(ByteBuf buf, byte[] prefix) {
        if (buf.readableBytes() < prefix.length) {
            return false;
        }
        int start = buf.readerIndex();
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(start + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
