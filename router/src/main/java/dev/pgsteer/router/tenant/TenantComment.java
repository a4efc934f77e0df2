package dev.pgsteer.router.tenant;

/**
 * The {@code /* tenant=acme *}{@code /} comment at the head of a statement, which names the tenant
 * for that statement alone. Only the head is read (after white space), so the check costs a few
 * character comparisons for the statements that have none.
 */
public final class TenantComment {
    private static final String KEY = "tenant";

    private TenantComment() {
    }

    /** The tenant the comment at the head of {@code sql} names, or null. */
    public static String of(CharSequence sql) {
        int n = sql.length();
        int i = 0;
        while (i < n && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        while (i + 1 < n && sql.charAt(i) == '/' && sql.charAt(i + 1) == '*') {
            int end = indexOf(sql, "*/", i + 2);
            if (end < 0) {
                return null;
            }
            String found = inComment(sql.subSequence(i + 2, end).toString());
            if (found != null) {
                return found;
            }
            i = end + 2;
            while (i < n && Character.isWhitespace(sql.charAt(i))) {
                i++;
            }
        }
        return null;
    }

    /** {@code tenant=acme}, {@code tenant = 'acme'}, possibly among other {@code key=value} pairs. */
    private static String inComment(String body) {
        for (String part : body.split("[,\\s]+(?=[A-Za-z_]+\\s*=)")) {
            int eq = part.indexOf('=');
            if (eq < 0 || !part.substring(0, eq).strip().equalsIgnoreCase(KEY)) {
                continue;
            }
            String value = part.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("'") && value.endsWith("'")
                    || value.startsWith("\"") && value.endsWith("\""))) {
                value = value.substring(1, value.length() - 1);
            }
            return value.isEmpty() ? null : value;
        }
        return null;
    }

    private static int indexOf(CharSequence text, String needle, int from) {
        int n = text.length() - needle.length();
        for (int i = from; i <= n; i++) {
            if (text.charAt(i) == needle.charAt(0) && text.charAt(i + 1) == needle.charAt(1)) {
                return i;
            }
        }
        return -1;
    }
}
