package dev.pgsteer.protocol.codec;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.SqlState;

/**
 * What {@link FrontendFrames#check} makes of a client's frame: {@link Valid}, or the
 * {@link ProtocolViolation} PostgreSQL would report, in its words. A valid frame costs no allocation.
 */
public sealed interface Verdict permits Verdict.Valid, Verdict.ProtocolViolation {

    /** The frame is laid out as its type says: every field there, nothing after the last. */
    enum Valid implements Verdict {
        FRAME
    }

    /** The frame breaks its type's layout; {@code message} is PostgreSQL's wording for it. */
    record ProtocolViolation(String message) implements Verdict {
        public SqlState sqlState() {
            return SqlState.PROTOCOL_VIOLATION;
        }

        /** For code that reports violations by throwing, as the decoder does. */
        public ProtocolViolationException exception() {
            return new ProtocolViolationException(sqlState(), message);
        }
    }
}
