package dev.pgsteer.router;

import java.nio.ByteBuffer;
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

    /** Why the statement pins its session, or empty if it does not. */
    public static Optional<String> pinningReason(ByteBuffer sql) {
        if (containsWord(sql, "temp") || containsWord(sql, "temporary")) {
            if (containsWord(sql, "create")) {
                return Optional.of("a temporary object");
            }
        }
        if (contains(sql, "pg_advisory_lock") || contains(sql, "pg_try_advisory_lock")) {
            return Optional.of("a session advisory lock");
        }
        if (containsWord(sql, "hold") && containsWord(sql, "declare")) {
            return Optional.of("a cursor WITH HOLD");
        }
        if (contains(sql, "set_config")) {
            return Optional.of("set_config()");
        }
        return Optional.empty();
    }

    static boolean contains(ByteBuffer sql, String keyword) {
        return indexOf(sql, keyword, false) >= 0;
    }

    static boolean containsWord(ByteBuffer sql, String keyword) {
        return indexOf(sql, keyword, true) >= 0;
    }

    private static int indexOf(ByteBuffer sql, String keyword, boolean wholeWord) {
        int start = sql.position();
        int end = sql.limit() - keyword.length();
        for (int i = start; i <= end; i++) {
            if (matchesAt(sql, i, keyword)
                    && (!wholeWord || (!identifierByte(sql, i - 1, start) && !identifierByte(sql, i + keyword.length(), sql.limit())))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean matchesAt(ByteBuffer sql, int at, String keyword) {
        for (int k = 0; k < keyword.length(); k++) {
            int b = sql.get(at + k);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != keyword.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean identifierByte(ByteBuffer sql, int at, int bound) {
        if (at < sql.position() || at >= sql.limit() || at == bound) {
            return false;
        }
        int b = sql.get(at);
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b < 0;
    }
}
