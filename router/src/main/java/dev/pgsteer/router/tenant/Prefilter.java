package dev.pgsteer.router.tenant;

/** The tenant guard's first look: most statements pass it at once, without being tokenized. */
final class Prefilter {
    private Prefilter() {
    }

    /**
     * A look at the characters, without tokens, that lets most statements through at once: only a
     * statement that starts with SET, RESET, DISCARD, DO, CREATE, ALTER, DROP or TRUNCATE (or a
     * comment), or has set_config, pg_settings, a dot (a qualified name), a dollar quote, a U&
     * name, or WRITE (read-only tenants), can be refused. {@code qualifiedNames}: the tenant has
     * neighbours whose schemas it must not name, so a dot matters. Keep it a superset of what {@link TenantGuard} refuses. {@code UPDATE t SET ...} is not a SET: it passes here.
     */
    static boolean mayBeRefused(String sql, boolean qualifiedNames, boolean readOnly) {
        int n = sql.length();
        boolean head = true;
        for (int i = 0; i < n; i++) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            boolean atHead = head;
            head = c == ';';
            switch (c) {
                case '.' -> {
                    if (qualifiedNames) {
                        return true;
                    }
                }
                case '$' -> {
                    if (i + 1 < n && !Character.isDigit(sql.charAt(i + 1))) {
                        return true;
                    }
                }
                case '/', '-' -> {
                    if (atHead) {
                        return true;
                    }
                }
                case 's', 'S' -> {
                    if (atHead && sql.regionMatches(true, i, "set", 0, 3) || sql.regionMatches(true, i, "set_config", 0, 10)) {
                        return true;
                    }
                }
                case 'r', 'R' -> {
                    if (atHead && sql.regionMatches(true, i, "reset", 0, 5)) {
                        return true;
                    }
                }
                case 'd', 'D' -> {
                    if (atHead && (sql.regionMatches(true, i, "discard", 0, 7) || sql.regionMatches(true, i, "do", 0, 2)
                            || sql.regionMatches(true, i, "drop", 0, 4))) {
                        return true;
                    }
                }
                case 'c', 'C' -> {
                    if (atHead && sql.regionMatches(true, i, "create", 0, 6)) {
                        return true;
                    }
                }
                case 'a', 'A' -> {
                    if (atHead && sql.regionMatches(true, i, "alter", 0, 5)) {
                        return true;
                    }
                }
                case 't', 'T' -> {
                    if (atHead && sql.regionMatches(true, i, "truncate", 0, 8)) {
                        return true;
                    }
                }
                case 'p', 'P' -> {
                    if (sql.regionMatches(true, i, "pg_settings", 0, 11)) {
                        return true;
                    }
                }
                case '&' -> {
                    // U&"..." names may spell anything in escapes.
                    return true;
                }
                case 'b', 'B' -> {
                    if (readOnly && atHead && sql.regionMatches(true, i, "begin", 0, 5)) {
                        return true;
                    }
                }
                case 'w', 'W' -> {
                    if (readOnly && sql.regionMatches(true, i, "write", 0, 5)) {
                        return true;
                    }
                }
                default -> {
                }
            }
        }
        return false;
    }
}
