package dev.pgsteer.router.command;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What routing needs of a COPY statement (JSQLParser does not read COPY): the table and its column
 * list or the query, the direction, and the options that say how rows are written.
 * {@code COPY t [(a, b)] FROM STDIN [WITH] (...)}, {@code COPY t TO STDOUT ...}, {@code COPY (query) TO STDOUT ...}.
 */
public record CopyStatement(String table, List<String> columns, String query, boolean from, Options options) {
    private static final Pattern TABLE = Pattern.compile(
            "(?is)^\\s*COPY\\s+(?:ONLY\\s+)?((?:\"[^\"]+\"|[\\w$]+)(?:\\s*\\.\\s*(?:\"[^\"]+\"|[\\w$]+))?)\\s*(?:\\(([^)]*)\\))?\\s+(FROM|TO)\\s+(\\S+)(.*)");
    private static final Pattern QUERY = Pattern.compile("(?is)^\\s*COPY\\s*\\((.*)\\)\\s*TO\\b.*");

    /** How the rows of a COPY are written: format text, csv or binary, and its characters. */
    public record Options(String format, char delimiter, String nullText, boolean header, char quote, char escape) {

        public boolean csv() {
            return format.equals("csv");
        }

        static Options parse(String text) {
            String t = " " + text + " ";
            String format = find(t, "(?is).*\\bFORMAT\\s+'?(\\w+)'?.*");
            if (format == null) {
                format = t.matches("(?is).*\\bCSV\\b.*") ? "csv" : t.matches("(?is).*\\bBINARY\\b.*") ? "binary" : "text";
            }
            format = format.toLowerCase(Locale.ROOT);
            boolean csv = format.equals("csv");
            String delimiter = find(t, "(?is).*\\bDELIMITER\\s+(?:AS\\s+)?E?'((?:[^']|'')*)'.*");
            String nullText = find(t, "(?is).*\\bNULL\\s+(?:AS\\s+)?'((?:[^']|'')*)'.*");
            String quote = find(t, "(?is).*\\bQUOTE\\s+(?:AS\\s+)?'((?:[^']|'')*)'.*");
            String escape = find(t, "(?is).*\\bESCAPE\\s+(?:AS\\s+)?'((?:[^']|'')*)'.*");
            boolean header = t.matches("(?is).*\\bHEADER\\b.*") && !t.matches("(?is).*\\bHEADER\\s+(false|off|0)\\b.*");
            char delimiterChar = delimiter == null ? (csv ? ',' : '\t')
                    : delimiter.equals("\\t") ? '\t' : delimiter.replace("''", "'").charAt(0);
            char quoteChar = quote == null ? '"' : quote.replace("''", "'").charAt(0);
            return new Options(format, delimiterChar, nullText == null ? (csv ? "" : "\\N") : nullText.replace("''", "'"),
                    header, quoteChar, escape == null ? quoteChar : escape.replace("''", "'").charAt(0));
        }

        private static String find(String text, String regex) {
            Matcher m = Pattern.compile(regex).matcher(text);
            return m.matches() ? m.group(1) : null;
        }
    }

    public static CopyStatement parse(String sql) {
        Matcher query = QUERY.matcher(sql);
        if (query.matches()) {
            return new CopyStatement(null, null, query.group(1), false, Options.parse(""));
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
        List<String> columns = table.group(2) == null ? null
                : Arrays.stream(table.group(2).split(",")).map(String::trim).map(CopyStatement::identifier).toList();
        return new CopyStatement(identifier(name), columns, null, table.group(3).equalsIgnoreCase("FROM"), Options.parse(table.group(5)));
    }

    private static String identifier(String name) {
        return name.startsWith("\"") ? name.substring(1, name.length() - 1).replace("\"\"", "\"") : name.toLowerCase(Locale.ROOT);
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
