package dev.pgsteer.router.tenant;

import java.util.Locale;
import java.util.Set;

/**
 * The client encodings whose multibyte characters may contain ASCII bytes: the second byte of an
 * SJIS, BIG5, GBK, GB18030, UHC or JOHAB character can be 0x5C, a backslash (and other ASCII
 * bytes). PostgreSQL converts the text to the server's encoding before it reads it; a byte-level
 * reading does not, so it would take half a character for an escape. PostgreSQL refuses these as
 * server encodings for the same reason, and accepts them as client encodings.
 */
final class ClientEncodings {
    /** Every name PostgreSQL accepts for them, as it compares names: lower case, only letters and digits. */
    private static final Set<String> UNSAFE = Set.of("sjis", "shiftjis", "mskanji", "win932", "windows932", "cp932",
            "shiftjis2004", "big5", "win950", "windows950", "cp950", "gbk", "win936", "windows936", "cp936", "gb18030",
            "uhc", "win949", "windows949", "cp949", "johab");

    private ClientEncodings() {
    }

    static boolean unsafe(String encoding) {
        if (encoding == null || encoding.equals("UTF8")) {
            // The common case, as the backend reports it: checked on every statement, without allocating.
            return false;
        }
        StringBuilder clean = new StringBuilder(encoding.length());
        for (int i = 0; i < encoding.length(); i++) {
            char c = encoding.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                clean.append(c);
            }
        }
        return UNSAFE.contains(clean.toString().toLowerCase(Locale.ROOT));
    }
}
