package dev.pgsteer.proxy.observe;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The text of each request still waiting for its ReadyForQuery, for the slow-statement log of a
 * session relayed unparsed: the SQL of a Query, or of the first Parse of an extended-protocol batch
 * (up to its Sync). Kept in step with {@link InFlightClock}: one entry per
 * Query, Sync or FunctionCall sent, taken off at its ReadyForQuery.
 *
 * <p>Only the first bytes are copied, into arrays reused from request to request, and only while the
 * log is on; the text is decoded only for a statement that turned out slow. Frames are read where
 * they are, not consumed. Password and startup messages never come here: they are not relayed frames.
 */
public final class StatementTexts {
    /** Bytes kept per text: enough for {@link SlowStatementLog#MAX_TEXT} characters of mostly ASCII SQL. */
    static final int MAX_BYTES = SlowStatementLog.MAX_TEXT * 2;

    private final SlowStatementLog log;
    private final String sessionId;
    /**
     * The batch being sent: its first statement's bytes, until its Sync. Made at the session's first
     * Parse while the log is on, not at login: an idle session holds none (4 MB of heap with 10,000
     * idle clients).
     */
    private byte[] batch;
    private int batchLength = -1;
    private byte[][] texts = new byte[4][];
    private int[] lengths = new int[4];
    private int head;
    private int size;

    public StatementTexts(SlowStatementLog log, String sessionId) {
        this.log = log;
        this.sessionId = sessionId;
    }

    /** A frame on its way to the backend, before it is written (it is read, not consumed). */
    public void frame(Frame frame) {
        Frontend type = Frontend.of(frame.type());
        switch (type) {
            case QUERY -> push(frame.content(), Frame.HEADER_LENGTH);
            case PARSE -> {
                if (batchLength < 0 && log.enabled()) {
                    ByteBuf whole = frame.content();
                    int start = whole.readerIndex() + Frame.HEADER_LENGTH;
                    int nameEnd = whole.indexOf(start, whole.writerIndex(), (byte) 0);
                    if (nameEnd >= 0) {
                        if (batch == null) {
                            batch = new byte[MAX_BYTES];
                        }
                        batchLength = copy(whole, nameEnd + 1, batch);
                    }
                }
            }
            case SYNC, FUNCTION_CALL -> pushBatch(type == Frontend.SYNC);
            case BIND, DESCRIBE, EXECUTE, CLOSE, FLUSH, TERMINATE, COPY_DATA, COPY_DONE, COPY_FAIL, PASSWORD, UNKNOWN -> {
                // Nothing of these is a statement's text, nor asks for a ReadyForQuery.
            }
        }
    }

    /** The oldest request was answered after {@code nanos}: logged if that is slow. */
    public void answered(long nanos) {
        if (size == 0) {
            return;
        }
        byte[] text = texts[head];
        int length = lengths[head];
        head = (head + 1) % texts.length;
        size--;
        if (log.slow(nanos)) {
            // The text is decoded for a slow statement only (a String per statement was 0.3 % of the loop's CPU).
            log.took(sessionId, nanos, length < 0 ? null : new String(text, 0, length, StandardCharsets.UTF_8));
        }
    }

    private void push(ByteBuf whole, int offset) {
        byte[] slot = slot();
        lengths[(head + size - 1) % texts.length] = slot != null ? copy(whole, whole.readerIndex() + offset, slot) : -1;
    }

    private void pushBatch(boolean sync) {
        byte[] slot = slot();
        int at = (head + size - 1) % texts.length;
        if (sync && batchLength >= 0 && slot != null) {
            System.arraycopy(batch, 0, slot, 0, batchLength);
            lengths[at] = batchLength;
        } else {
            lengths[at] = -1;
        }
        batchLength = -1;
    }

    /** Makes room for one more entry and returns its array; null while the log is off (nothing is copied then). */
    private byte[] slot() {
        if (size == texts.length) {
            byte[][] biggerTexts = new byte[texts.length * 2][];
            int[] biggerLengths = new int[texts.length * 2];
            for (int i = 0; i < size; i++) {
                biggerTexts[i] = texts[(head + i) % texts.length];
                biggerLengths[i] = lengths[(head + i) % texts.length];
            }
            texts = biggerTexts;
            lengths = biggerLengths;
            head = 0;
        }
        int at = (head + size) % texts.length;
        if (texts[at] == null && log.enabled()) {
            texts[at] = new byte[MAX_BYTES];
        }
        size++;
        return log.enabled() ? texts[at] : null;
    }

    /** The C string at {@code from}, at most {@link #MAX_BYTES} of it, into {@code into}; its length. */
    private static int copy(ByteBuf whole, int from, byte[] into) {
        int end = whole.indexOf(from, Math.min(whole.writerIndex(), from + MAX_BYTES), (byte) 0);
        int length = (end < 0 ? Math.min(whole.writerIndex(), from + MAX_BYTES) : end) - from;
        whole.getBytes(from, into, 0, length);
        return length;
    }
}
