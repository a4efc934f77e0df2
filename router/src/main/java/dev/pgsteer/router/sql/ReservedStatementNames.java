package dev.pgsteer.router.sql;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds SQL that names one of pgsteer's own backend statements ({@code pgsteer_<hash>}, shared by
 * the sessions of a pool) in {@code EXECUTE}, {@code DEALLOCATE [PREPARE]}, {@code EXPLAIN EXECUTE}
 * or {@code CREATE TABLE ... AS EXECUTE}, and renames it to a statement no one has: a session must
 * never run another session's statement by reading its name from {@code pg_prepared_statements}.
 * The backend then answers as PostgreSQL answers any unknown name (26000), which tells nothing.
 *
 * <p>Names inside string constants and dollar quotes are renamed too ({@code DO $$ BEGIN EXECUTE
 * 'EXECUTE pgsteer_...'; END $$}): the replacement holds no quote, so it cannot change where a
 * string ends. A name assembled at run time ({@code 'pgsteer' || '_...'}) is not seen.
 */
public final class ReservedStatementNames {
    /** How pgsteer's statement names begin; a client's own names never reach the backend under it. */
    public static final String PREFIX = "pgsteer_";
    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);
    /** Nesting of string constants in string constants read at most. */
    private static final int MAX_DEPTH = 4;

    /** {@code sql} with each reference renamed, and the first name it had (for the error the client gets). */
    public record Renamed(byte[] sql, String firstName) {
    }

    private record Edit(int start, int stop, String name) {
    }

    private ReservedStatementNames() {
    }

    /**
     * {@code sql[offset, offset+length)} with every reference to a {@code pgsteer_} statement renamed
     * to {@code replacement}, or null when it has none (nearly always: one pass over the bytes).
     */
    public static Renamed rename(byte[] sql, int offset, int length, boolean backslashQuotes, String replacement) {
        if (!containsPrefix(sql, offset, length)) {
            return null;
        }
        List<Edit> edits = new ArrayList<>();
        collect(new SqlTokenizer(sql, offset, length, backslashQuotes), edits, 0);
        if (edits.isEmpty()) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 16);
        int at = offset;
        byte[] name = replacement.getBytes(StandardCharsets.US_ASCII);
        for (Edit edit : edits) {
            out.write(sql, at, edit.start() - at);
            out.writeBytes(name);
            at = edit.stop();
        }
        out.write(sql, at, offset + length - at);
        return new Renamed(out.toByteArray(), edits.get(0).name());
    }

    private static void collect(SqlTokenizer t, List<Edit> edits, int depth) {
        boolean afterCommand = false;
        SqlTokenizer.Kind kind;
        while ((kind = t.next()) != SqlTokenizer.Kind.END) {
            if (afterCommand && t.isName()) {
                String name = t.name();
                if (name.startsWith(PREFIX)) {
                    edits.add(new Edit(t.start(), t.stop(), name));
                }
            }
            // DEALLOCATE PREPARE name: the name follows PREPARE.
            afterCommand = t.isWord("execute") || t.isWord("deallocate") || afterCommand && t.isWord("prepare");
            if ((kind == SqlTokenizer.Kind.STRING || kind == SqlTokenizer.Kind.DOLLAR_STRING) && depth < MAX_DEPTH
                    && containsPrefix(t.bytes(), t.contentStart(), t.contentEnd() - t.contentStart())) {
                collect(new SqlTokenizer(t.bytes(), t.contentStart(), t.contentEnd() - t.contentStart(), t.backslashQuotes()),
                        edits, depth + 1);
            }
        }
    }

    /** Whether {@code pgsteer_} occurs, in any case (an unquoted name is folded to lower case). */
    static boolean containsPrefix(byte[] sql, int offset, int length) {
        int last = offset + length - PREFIX_BYTES.length;
        for (int i = offset; i <= last; i++) {
            if ((sql[i] | 0x20) == 'p') {
                int k = 1;
                while (k < PREFIX_BYTES.length) {
                    int b = sql[i + k];
                    if (b >= 'A' && b <= 'Z') {
                        b += 'a' - 'A';
                    }
                    if (b != PREFIX_BYTES[k]) {
                        break;
                    }
                    k++;
                }
                if (k == PREFIX_BYTES.length) {
                    return true;
                }
            }
        }
        return false;
    }
}
