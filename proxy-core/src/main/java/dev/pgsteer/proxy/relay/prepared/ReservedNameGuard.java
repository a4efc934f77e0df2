package dev.pgsteer.proxy.relay.prepared;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.router.sql.ReservedStatementNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;

/**
 * Keeps a session's SQL from reaching the backend statements of other sessions by name: pgsteer
 * prepares them under {@code pgsteer_} names, which a client's {@code EXECUTE pgsteer_…} or
 * {@code DEALLOCATE pgsteer_…} would otherwise find. Such names in a Query's or Parse's text are
 * renamed to {@link StatementRelay#NOWHERE}. One per session: its scan allocates nothing.
 */
final class ReservedNameGuard {
    /** Looks for pgsteer's statement names in each Query and Parse text. */
    private final PrefixFinder prefixFinder = new PrefixFinder();

    /**
     * A Query's or Parse's text with pgsteer's statement names renamed, or null. The text is copied
     * only when it holds {@code pgsteer_} (in any case): one pass over the bytes where they are.
     */
    ReservedStatementNames.Renamed renamed(Frame frame, boolean backslashQuotes) {
        ByteBuf body = frame.body();
        int from = body.readerIndex();
        if (frame.type() == StatementFrames.PARSE) {
            from = body.indexOf(from, body.writerIndex(), (byte) 0) + 1;
        }
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        int length = (end < 0 ? body.writerIndex() : end) - from;
        if (length < ReservedStatementNames.PREFIX.length() || body.forEachByte(from, length, prefixFinder.fromStart()) < 0) {
            return null;
        }
        byte[] text = new byte[length];
        body.getBytes(from, text);
        return ReservedStatementNames.rename(text, 0, length, backslashQuotes, StatementRelay.NOWHERE);
    }

    /** The Parse with {@code sql} as its text, name and parameter types kept. Consumes {@code parse}. */
    static Frame withParseText(Frame parse, byte[] sql, ByteBufAllocator alloc) {
        ByteBuf body = parse.body();
        int nameEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        int textEnd = body.indexOf(nameEnd + 1, body.writerIndex(), (byte) 0);
        ByteBuf out = alloc.buffer(16 + sql.length + body.readableBytes());
        int length = Wire.beginMessage(out, 'P');
        out.writeBytes(body, body.readerIndex(), nameEnd + 1 - body.readerIndex());
        out.writeBytes(sql).writeByte(0);
        out.writeBytes(body, textEnd + 1, body.writerIndex() - textEnd - 1);
        Wire.endMessage(out, length);
        parse.release();
        return new Frame(out);
    }

    /** Stops at the end of {@code pgsteer_}, in any case. Its first letter occurs once in it: no backtracking. */
    private static final class PrefixFinder implements ByteProcessor {
        private int matched;

        /** Ready for another text: one finder serves every statement of the session, allocating nothing. */
        PrefixFinder fromStart() {
            matched = 0;
            return this;
        }

        @Override
        public boolean process(byte value) {
            int b = value >= 'A' && value <= 'Z' ? value + ('a' - 'A') : value;
            if (b == ReservedStatementNames.PREFIX.charAt(matched)) {
                matched++;
            } else {
                matched = b == 'p' ? 1 : 0;
            }
            return matched < ReservedStatementNames.PREFIX.length();
        }
    }
}
