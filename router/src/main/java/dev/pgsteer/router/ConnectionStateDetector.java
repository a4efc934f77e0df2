package dev.pgsteer.router;

import java.util.Optional;

/**
 * Spots, in the bytes of a statement, the state that lives on a backend connection and cannot move
 * with a session to another one: temporary objects, session advisory locks, cursors held past
 * their transaction, settings changed through {@code set_config}. A session that creates such
 * state must keep its connection. The scan reads ASCII keywords in place, without decoding the
 * text; it errs on the side of finding too much (a keyword inside a string literal also counts),
 * since a needless pin costs only pooling efficiency while a missed one leaks state.
 */
public final class ConnectionStateDetector {
    private ConnectionStateDetector() {
    }

    /** Why the statement in {@code sql[offset, offset + length)} pins its session, or empty if it does not. */
    public static Optional<String> pinningReason(byte[] sql, int offset, int length) {
        Text text = new Text(sql, offset, offset + length);
        // One pass: only positions whose byte starts a keyword are compared further.
        boolean temp = false;
        boolean create = false;
        boolean hold = false;
        boolean declare = false;
        for (int i = offset; i < offset + length; i++) {
            switch (sql[i] | 0x20) {
                case 't' -> temp |= text.wordAt(i, "temp") || text.wordAt(i, "temporary");
                case 'c' -> create |= text.wordAt(i, "create");
                case 'h' -> hold |= text.wordAt(i, "hold");
                case 'd' -> declare |= text.wordAt(i, "declare");
                case 'p' -> {
                    if (text.at(i, "pg_advisory_lock") || text.at(i, "pg_try_advisory_lock")) {
                        return Optional.of("a session advisory lock");
                    }
                }
                case 's' -> {
                    if (text.at(i, "set_config")) {
                        return Optional.of("set_config()");
                    }
                }
                default -> {
                }
            }
        }
        if (temp && create) {
            return Optional.of("a temporary object");
        }
        if (hold && declare) {
            return Optional.of("a cursor WITH HOLD");
        }
        return Optional.empty();
    }

    /** A byte range searched for lower-case ASCII keywords, ignoring the case of the text. */
    private record Text(byte[] bytes, int start, int end) {

        /** Whether {@code keyword} starts at {@code at}. */
        boolean at(int at, String keyword) {
            return at + keyword.length() <= end && matchesAt(at, keyword);
        }

        /** Whether {@code keyword} starts at {@code at} as a whole word. */
        boolean wordAt(int at, String keyword) {
            return at(at, keyword) && !identifierAt(at - 1) && !identifierAt(at + keyword.length());
        }

        private boolean matchesAt(int at, String keyword) {
            for (int k = 0; k < keyword.length(); k++) {
                int b = bytes[at + k];
                if (b >= 'A' && b <= 'Z') {
                    b += 'a' - 'A';
                }
                if (b != keyword.charAt(k)) {
                    return false;
                }
            }
            return true;
        }

        private boolean identifierAt(int at) {
            if (at < start || at >= end) {
                return false;
            }
            int b = bytes[at];
            return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b < 0;
        }
    }
}
