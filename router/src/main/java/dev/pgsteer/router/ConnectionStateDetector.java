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
        if (text.containsWord("temp") || text.containsWord("temporary")) {
            if (text.containsWord("create")) {
                return Optional.of("a temporary object");
            }
        }
        if (text.contains("pg_advisory_lock") || text.contains("pg_try_advisory_lock")) {
            return Optional.of("a session advisory lock");
        }
        if (text.containsWord("hold") && text.containsWord("declare")) {
            return Optional.of("a cursor WITH HOLD");
        }
        if (text.contains("set_config")) {
            return Optional.of("set_config()");
        }
        return Optional.empty();
    }

    /** A byte range searched for lower-case ASCII keywords, ignoring the case of the text. */
    private record Text(byte[] bytes, int start, int end) {

        boolean contains(String keyword) {
            return indexOf(keyword, false) >= 0;
        }

        boolean containsWord(String keyword) {
            return indexOf(keyword, true) >= 0;
        }

        private int indexOf(String keyword, boolean wholeWord) {
            char first = keyword.charAt(0);
            for (int i = start; i <= end - keyword.length(); i++) {
                if ((bytes[i] | 0x20) == first && matchesAt(i, keyword)
                        && (!wholeWord || (!identifierAt(i - 1) && !identifierAt(i + keyword.length())))) {
                    return i;
                }
            }
            return -1;
        }

        private boolean matchesAt(int at, String keyword) {
            for (int k = 1; k < keyword.length(); k++) {
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
