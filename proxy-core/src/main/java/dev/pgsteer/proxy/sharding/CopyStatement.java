package dev.pgsteer.proxy.sharding;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What routing needs of a COPY statement (JSQLParser does not read COPY): the table or the query,
 * and the direction. {@code COPY t [(a, b)] FROM STDIN ...}, {@code COPY t TO STDOUT ...},
 * {@code COPY (query) TO STDOUT ...}.
 */
record CopyStatement(String table, String query, boolean from) {
    private static final Pattern TABLE = Pattern.compile(
            "(?is)^\\s*COPY\\s+(?:ONLY\\s+)?((?:\"[^\"]+\"|[\\w$]+)(?:\\s*\\.\\s*(?:\"[^\"]+\"|[\\w$]+))?)\\s*(\\([^)]*\\))?\\s+(FROM|TO)\\b.*");
    private static final Pattern QUERY = Pattern.compile("(?is)^\\s*COPY\\s*\\((.*)\\)\\s*TO\\b.*");

    static CopyStatement parse(String sql) {
        Matcher query = QUERY.matcher(sql);
        if (query.matches()) {
            return new CopyStatement(null, query.group(1), false);
        }
        Matcher table = TABLE.matcher(sql);
        if (!table.matches()) {
            return null;
        }
        String name = table.group(1);
        int dot = lastDotOutsideQuotes(name);
        if (dot >= 0) {
            name = name.substring(dot + 1).trim();
        }
        name = name.startsWith("\"") ? name.substring(1, name.length() - 1) : name.toLowerCase(Locale.ROOT);
        return new CopyStatement(name, null, table.group(3).equalsIgnoreCase("FROM"));
    }

    private static int lastDotOutsideQuotes(String name) {
        boolean quoted = false;
        int dot = -1;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '.' && !quoted) {
                dot = i;
            }
        }
        return dot;
    }
}
