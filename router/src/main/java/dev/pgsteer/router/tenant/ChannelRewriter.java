package dev.pgsteer.router.tenant;

import dev.pgsteer.router.sql.SqlTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Rewrites the channels a tenant's statement names into the tenant's {@link TenantChannel}:
 * <pre>
 *   LISTEN orders                  →  LISTEN "acme:orders"
 *   UNLISTEN "Orders"              →  UNLISTEN "acme:Orders"          (UNLISTEN * stays)
 *   NOTIFY orders, 'new'           →  NOTIFY "acme:orders", 'new'
 *   SELECT pg_notify('orders', p)  →  SELECT pg_notify('acme:orders', p)
 *   SELECT pg_notify($1, $2)       →  SELECT pg_notify(('acme:'::text || NULLIF(($1)::text, '')), $2)
 * </pre>
 * LISTEN, UNLISTEN and NOTIFY are read where a command begins: at the start, after {@code ;}, and
 * in a rule's actions ({@code DO ALSO NOTIFY x}). Every call of {@code pg_notify} outside string
 * constants is rewritten, whatever its first argument: a constant becomes the backend's name; any
 * other expression gets the prefix put before its value by the backend ({@code NULLIF} keeps an
 * empty or null channel an error, as PostgreSQL makes it). Code inside string constants and dollar
 * quotes (DO blocks, function bodies) is not rewritten: what it sends goes to channels no tenant
 * session listens on, and what it listens to is dropped on the way back (see {@link TenantChannel}).
 */
public final class ChannelRewriter {
    static final String TOO_LONG = "22023";
    static final String NAME_TOO_LONG = "42622";
    static final String NOT_SUPPORTED = "0A000";

    /** What becomes of one statement text. */
    public sealed interface Rewrite {
        record Unchanged() implements Rewrite {
        }

        record Rewritten(byte[] sql) implements Rewrite {
        }

        record Refused(String sqlState, String message, String hint) implements Rewrite {
        }
    }

    private static final Rewrite UNCHANGED = new Rewrite.Unchanged();

    private record Edit(int start, int stop, byte[] replacement) {
    }

    private ChannelRewriter() {
    }

    /** Whether {@code sql} may name a channel at all: it holds "listen" or "notify" in some case. Cheap. */
    public static boolean mayNameChannel(CharSequence sql) {
        int n = sql.length();
        for (int i = 0; i + 6 <= n; i++) {
            char c = (char) (sql.charAt(i) | 0x20);
            if (c == 'n' && regionIs(sql, i + 1, "otify") || c == 'l' && regionIs(sql, i + 1, "isten")) {
                return true;
            }
        }
        return false;
    }

    public static Rewrite rewrite(byte[] sql, int offset, int length, boolean backslashQuotes, TenantChannel channel) {
        List<Edit> edits = new ArrayList<>();
        SqlTokenizer t = new SqlTokenizer(sql, offset, length, backslashQuotes);
        boolean commandStart = true;
        boolean afterRuleWord = false;
        SqlTokenizer.Kind kind;
        while ((kind = t.next()) != SqlTokenizer.Kind.END) {
            boolean atCommand = commandStart;
            boolean ruleWordBefore = afterRuleWord;
            commandStart = false;
            afterRuleWord = false;
            if (t.isPunct(';') || ruleWordBefore && t.isPunct('(')) {
                commandStart = true;
                continue;
            }
            if (t.isWord("do") || t.isWord("also") || t.isWord("instead")) {
                commandStart = true;
                afterRuleWord = true;
                continue;
            }
            if (atCommand && (t.isWord("listen") || t.isWord("unlisten") || t.isWord("notify"))) {
                Rewrite refused = channelName(t, channel, edits);
                if (refused != null) {
                    return refused;
                }
                continue;
            }
            if (t.isName() && "pg_notify".equals(t.name())) {
                Rewrite refused = notifyCall(t, channel, edits);
                if (refused != null) {
                    return refused;
                }
            }
        }
        if (edits.isEmpty()) {
            return UNCHANGED;
        }
        edits.sort(Comparator.comparingInt(Edit::start));
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 32);
        int at = offset;
        for (Edit edit : edits) {
            out.write(sql, at, edit.start() - at);
            out.writeBytes(edit.replacement());
            at = edit.stop();
        }
        out.write(sql, at, offset + length - at);
        return new Rewrite.Rewritten(out.toByteArray());
    }

    /** The channel name after LISTEN, UNLISTEN or NOTIFY (the tokenizer is on that word). */
    private static Rewrite channelName(SqlTokenizer t, TenantChannel channel, List<Edit> edits) {
        SqlTokenizer ahead = t.lookahead();
        if (!ahead.next().equals(SqlTokenizer.Kind.END) && ahead.isName()) {
            if (ahead.kind() == SqlTokenizer.Kind.QUOTED_IDENTIFIER && isUnicodeEscaped(ahead)) {
                return new Rewrite.Refused(NOT_SUPPORTED, "channel names written as U&\"...\" are not supported for tenants",
                        "write the channel name plainly or in double quotes");
            }
            byte[] name = truncated(folded(ahead));
            if (name.length == 0) {
                return null; // "" is PostgreSQL's syntax error to give
            }
            byte[] backend = channel.backendName(name);
            if (backend == null) {
                return tooLong(NAME_TOO_LONG, channel);
            }
            edits.add(new Edit(ahead.start(), ahead.stop(), quotedIdentifier(backend)));
        }
        return null;
    }

    /** A call {@code pg_notify(channel, payload)} (the tokenizer is on its name). */
    private static Rewrite notifyCall(SqlTokenizer t, TenantChannel channel, List<Edit> edits) {
        SqlTokenizer ahead = t.lookahead();
        if (ahead.next() == SqlTokenizer.Kind.END || !ahead.isPunct('(')) {
            return null;
        }
        // The first argument: the tokens up to the ',' or ')' at its own depth.
        int depth = 0;
        int argStart = -1;
        int argStop = -1;
        int tokens = 0;
        boolean plainConstant = false;
        boolean namedNotation = false;
        boolean previousEquals = false;
        SqlTokenizer.Kind kind;
        while ((kind = ahead.next()) != SqlTokenizer.Kind.END) {
            if (depth == 0 && (ahead.isPunct(',') || ahead.isPunct(')'))) {
                break;
            }
            if (ahead.isPunct('(') || ahead.isPunct('[')) {
                depth++;
            } else if (ahead.isPunct(')') || ahead.isPunct(']')) {
                depth--;
            }
            if (depth == 0 && previousEquals && ahead.isPunct('>')) {
                namedNotation = true;
            }
            previousEquals = ahead.isPunct('=');
            if (argStart < 0) {
                argStart = ahead.start();
                plainConstant = isPlainConstant(ahead);
            }
            argStop = ahead.stop();
            tokens++;
        }
        if (argStart < 0) {
            return null; // pg_notify() is PostgreSQL's error to give
        }
        if (namedNotation) {
            return new Rewrite.Refused(NOT_SUPPORTED, "pg_notify() with named arguments is not supported for tenants",
                    "pass the channel as the first argument: pg_notify('channel', 'payload')");
        }
        if (tokens == 1 && plainConstant) {
            byte[] name = constantContent(ahead, argStart, argStop, t.bytes());
            if (name.length == 0 || name.length > TenantChannel.MAX_BYTES) {
                return null; // empty, or too long even without the prefix: PostgreSQL's own error
            }
            byte[] backend = channel.backendName(name);
            if (backend == null) {
                return tooLong(TOO_LONG, channel);
            }
            edits.add(new Edit(argStart, argStop, stringConstant(backend)));
            return null;
        }
        String open = "(" + new String(stringConstant(channel.prefix()), StandardCharsets.UTF_8) + "::text || NULLIF((";
        edits.add(new Edit(argStart, argStart, open.getBytes(StandardCharsets.UTF_8)));
        edits.add(new Edit(argStop, argStop, ")::text, ''))".getBytes(StandardCharsets.UTF_8)));
        return null;
    }

    private static Rewrite tooLong(String sqlState, TenantChannel channel) {
        return new Rewrite.Refused(sqlState, "channel name too long",
                "a tenant's channel names may have at most " + channel.maxChannelBytes()
                        + " bytes: pgsteer keeps each tenant's channels apart under a prefix of its own");
    }

    /** A string constant whose content is its value: '...' without backslash escapes, or a dollar quote. */
    private static boolean isPlainConstant(SqlTokenizer t) {
        byte[] sql = t.bytes();
        if (t.kind() == SqlTokenizer.Kind.DOLLAR_STRING) {
            return true;
        }
        if (t.kind() != SqlTokenizer.Kind.STRING || sql[t.start()] != '\'' || t.contentEnd() >= t.stop()) {
            return false; // E'', U&'', B'', X'', N'', or unterminated
        }
        if (t.backslashQuotes()) {
            for (int i = t.contentStart(); i < t.contentEnd(); i++) {
                if (sql[i] == '\\') {
                    return false;
                }
            }
        }
        return true;
    }

    /** The value of the single constant token at [start, stop). */
    private static byte[] constantContent(SqlTokenizer ahead, int start, int stop, byte[] sql) {
        SqlTokenizer one = new SqlTokenizer(sql, start, stop - start, ahead.backslashQuotes());
        one.next();
        byte[] raw = Arrays.copyOfRange(sql, one.contentStart(), one.contentEnd());
        return one.kind() == SqlTokenizer.Kind.DOLLAR_STRING ? raw : undoubled(raw, (byte) '\'');
    }

    private static boolean isUnicodeEscaped(SqlTokenizer t) {
        byte b = t.bytes()[t.start()];
        return b == 'u' || b == 'U';
    }

    /** A name as PostgreSQL folds it: unquoted, ASCII letters lower-cased; quoted, quotes undoubled. */
    private static byte[] folded(SqlTokenizer t) {
        byte[] sql = t.bytes();
        if (t.kind() == SqlTokenizer.Kind.QUOTED_IDENTIFIER) {
            return undoubled(Arrays.copyOfRange(sql, t.contentStart(), t.contentEnd()), (byte) '"');
        }
        byte[] out = Arrays.copyOfRange(sql, t.start(), t.stop());
        for (int i = 0; i < out.length; i++) {
            if (out[i] >= 'A' && out[i] <= 'Z') {
                out[i] += 'a' - 'A';
            }
        }
        return out;
    }

    /** PostgreSQL truncates an identifier to 63 bytes, not inside a character (UTF-8). */
    private static byte[] truncated(byte[] name) {
        if (name.length <= TenantChannel.MAX_BYTES) {
            return name;
        }
        int cut = TenantChannel.MAX_BYTES;
        while (cut > 0 && (name[cut] & 0xc0) == 0x80) {
            cut--;
        }
        return Arrays.copyOf(name, cut);
    }

    private static byte[] undoubled(byte[] raw, byte quote) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            out.write(raw[i]);
            if (raw[i] == quote && i + 1 < raw.length && raw[i + 1] == quote) {
                i++;
            }
        }
        return out.toByteArray();
    }

    private static byte[] quotedIdentifier(byte[] name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length + 4);
        out.write('"');
        for (byte b : name) {
            out.write(b);
            if (b == '"') {
                out.write('"');
            }
        }
        out.write('"');
        return out.toByteArray();
    }

    /**
     * A string constant of {@code value} that reads the same whatever standard_conforming_strings
     * is: plain, or E'' with backslashes doubled when it holds one.
     */
    private static byte[] stringConstant(byte[] value) {
        boolean backslash = false;
        for (byte b : value) {
            backslash |= b == '\\';
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 4);
        if (backslash) {
            out.write('E');
        }
        out.write('\'');
        for (byte b : value) {
            out.write(b);
            if (b == '\'' || b == '\\') {
                out.write(b);
            }
        }
        out.write('\'');
        return out.toByteArray();
    }

    private static boolean regionIs(CharSequence sql, int from, String lowerCase) {
        for (int k = 0; k < lowerCase.length(); k++) {
            if ((sql.charAt(from + k) | 0x20) != lowerCase.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
