package dev.pgsteer.router.command;

import dev.pgsteer.router.sql.SqlTokenizer;
import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * SQL's own prepared statements on a sharded session: {@code PREPARE name [(types)] AS statement},
 * {@code EXECUTE name [(arguments)]} and {@code DEALLOCATE [PREPARE] name | ALL}, read as PostgreSQL's
 * grammar reads them, and an EXECUTE turned into the statement it runs.
 *
 * <p>Why a text: a sharded session routes by the key values a statement holds, and an EXECUTE holds
 * its values apart from its statement. Written into the statement as constants of the parameters'
 * types ({@code ('42'::bigint)}), they route as if the client had written them, and PostgreSQL reads
 * each exactly as it reads EXECUTE's argument: a quoted constant through its type's input function,
 * NULL as a null of the type. Arguments whose meaning could differ are refused rather than guessed:
 * an expression (PostgreSQL evaluates it once, a text would evaluate it where it stands), and a
 * number or a boolean for a parameter whose type PostgreSQL would reach only by a cast EXECUTE does
 * not make (it coerces as an assignment does; {@code ::} casts explicitly).
 */
public final class PreparedStatementSql {

    /** {@code PREPARE name types AS body}: {@code types} as written, with its parentheses, or empty. */
    public record Prepare(String name, String types, String body) {
    }

    /** {@code EXECUTE name (arguments)}. */
    public record Execute(String name, List<Argument> arguments) {
        public Execute {
            arguments = List.copyOf(arguments);
        }
    }

    /** One argument of an EXECUTE, as written. */
    public sealed interface Argument {
        String text();
    }

    /** A quoted constant ({@code 'x'}, {@code E'x'}, {@code $$x$$}): its token as written. */
    public record Quoted(String text) implements Argument {
    }

    /** A number, with its sign: {@code 42}, {@code -1.5}. */
    public record Number(String text) implements Argument {
    }

    /** {@code TRUE} or {@code FALSE}. */
    public record Bool(String text) implements Argument {
    }

    /** {@code NULL}. */
    public record Null(String text) implements Argument {
    }

    /** Anything else: an expression, a typed constant. */
    public record Expression(String text) implements Argument {
    }

    /** What an EXECUTE becomes: the statement to run, or PostgreSQL's error (or pgsteer's refusal). */
    public sealed interface Bound {
    }

    public record Statement(String sql) implements Bound {
    }

    public record Failed(String sqlState, String message) implements Bound {
    }

    /** Types an integer or a decimal reaches by an implicit or assignment cast: the numbers, and the strings. */
    private static final Set<String> NUMBER_TYPES = Set.of("smallint", "integer", "bigint", "numeric", "real",
            "double precision", "oid", "money", "text", "character varying", "character", "name", "\"char\"");
    /** Types a boolean reaches by an implicit or assignment cast. */
    private static final Set<String> BOOLEAN_TYPES = Set.of("boolean", "text", "character varying", "character", "name");

    private PreparedStatementSql() {
    }

    /** {@code PREPARE name [(types)] AS statement}, or null when the text is not one (a syntax error is PostgreSQL's to give). */
    public static Prepare prepare(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
        if (t.next() != Kind.WORD || !t.isWord("prepare") || !name(t.next(), t)) {
            return null;
        }
        String name = t.name();
        String types = "";
        t.next();
        if (t.isPunct('(')) {
            int from = t.start();
            if (!skipToClosing(t)) {
                return null;
            }
            types = text(bytes, from, t.stop());
            t.next();
        }
        if (!t.isWord("as")) {
            return null;
        }
        String body = text(bytes, t.stop(), bytes.length).strip();
        return body.isEmpty() ? null : new Prepare(name, types, body);
    }

    /** {@code EXECUTE name [(arguments)]}, or null when the text is not one. */
    public static Execute execute(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
        if (t.next() != Kind.WORD || !t.isWord("execute") || !name(t.next(), t)) {
            return null;
        }
        String name = t.name();
        List<Argument> arguments = new ArrayList<>();
        Kind next = t.next();
        if (t.isPunct('(')) {
            List<int[]> spans = new ArrayList<>();
            int depth = 0;
            int from = -1;
            while (true) {
                Kind k = t.next();
                if (k == Kind.END) {
                    return null;
                }
                if (depth == 0 && (t.isPunct(',') || t.isPunct(')'))) {
                    if (from < 0) {
                        return null;
                    }
                    spans.add(new int[] {from, t.start()});
                    from = -1;
                    if (t.isPunct(')')) {
                        break;
                    }
                    continue;
                }
                if (from < 0) {
                    from = t.start();
                }
                if (t.isPunct('(') || t.isPunct('[')) {
                    depth++;
                } else if (t.isPunct(')') || t.isPunct(']')) {
                    depth--;
                }
            }
            for (int[] span : spans) {
                arguments.add(argument(bytes, span[0], span[1]));
            }
            next = t.next();
        }
        if (t.isPunct(';')) {
            next = t.next();
        }
        return next == Kind.END ? new Execute(name, arguments) : null;
    }

    /**
     * {@code DEALLOCATE [PREPARE] name}: the name; {@code ""} for {@code ALL}; null when the text is
     * not one.
     */
    public static String deallocate(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
        if (t.next() != Kind.WORD || !t.isWord("deallocate")) {
            return null;
        }
        t.next();
        if (t.isWord("prepare")) {
            t.next();
        }
        String name;
        if (t.isWord("all")) {
            name = "";
        } else if (t.isName()) {
            name = t.name();
        } else {
            return null;
        }
        t.next();
        if (t.isPunct(';')) {
            t.next();
        }
        return t.kind() == Kind.END ? name : null;
    }

    /**
     * The statement {@code execute} runs: {@code body} (the prepared statement) with each {@code $n}
     * replaced by argument n as a constant of {@code types.get(n - 1)} (PostgreSQL's names, as
     * {@code format_type} writes them).
     */
    public static Bound bind(String statementName, String body, List<String> types, Execute execute, boolean backslashQuotes) {
        List<Argument> arguments = execute.arguments();
        if (arguments.size() != types.size()) {
            return new Failed("42601", "wrong number of parameters for prepared statement \"" + statementName
                    + "\"\nDETAIL: Expected " + types.size() + " parameters but got " + arguments.size() + ".");
        }
        List<String> constants = new ArrayList<>(arguments.size());
        for (int i = 0; i < arguments.size(); i++) {
            String type = types.get(i);
            Argument argument = arguments.get(i);
            String constant = switch (argument) {
                case Quoted q -> "(" + q.text() + "::" + type + ")";
                case Null n -> "(NULL::" + type + ")";
                case Number n -> NUMBER_TYPES.contains(type) ? "((" + n.text() + ")::" + type + ")" : null;
                case Bool b -> BOOLEAN_TYPES.contains(type) ? "(" + b.text() + "::" + type + ")" : null;
                case Expression e -> null;
            };
            if (constant == null) {
                return new Failed("0A000", "EXECUTE " + execute.name() + ": argument " + (i + 1) + " (" + argument.text()
                        + ") for a parameter of type " + type + " is not supported on a sharded database, which writes"
                        + " EXECUTE's arguments into the statement to route it: give a quoted constant ('...') or NULL"
                        + (argument instanceof Expression ? " (an expression is evaluated once by EXECUTE; compute it first)" : ""));
            }
            constants.add(constant);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, backslashQuotes);
        StringBuilder out = new StringBuilder(body.length() + 16 * constants.size());
        int copied = 0;
        while (t.next() != Kind.END) {
            if (t.kind() == Kind.PARAMETER) {
                int n = Integer.parseInt(text(bytes, t.start() + 1, t.stop()));
                if (n < 1 || n > constants.size()) {
                    return new Failed("42P02", "there is no parameter $" + n);
                }
                out.append(text(bytes, copied, t.start())).append(constants.get(n - 1));
                copied = t.stop();
            }
        }
        out.append(text(bytes, copied, bytes.length));
        return new Statement(out.toString());
    }

    private static boolean name(Kind kind, SqlTokenizer t) {
        return (kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER) && !t.isWord("as");
    }

    /** From an opening parenthesis to its closing one; false at the end of the text. */
    private static boolean skipToClosing(SqlTokenizer t) {
        int depth = 1;
        while (depth > 0) {
            if (t.next() == Kind.END) {
                return false;
            }
            if (t.isPunct('(')) {
                depth++;
            } else if (t.isPunct(')')) {
                depth--;
            }
        }
        return true;
    }

    private static Argument argument(byte[] bytes, int from, int to) {
        String text = text(bytes, from, to).strip();
        SqlTokenizer t = new SqlTokenizer(bytes, from, to - from, false);
        Kind first = t.next();
        boolean signed = t.isPunct('-') || t.isPunct('+');
        Kind second = t.next();
        boolean alone = second == Kind.END;
        if (alone && (first == Kind.STRING || first == Kind.DOLLAR_STRING)) {
            return new Quoted(text);
        }
        if (alone && first == Kind.NUMBER) {
            return new Number(text);
        }
        if (signed && second == Kind.NUMBER && t.next() == Kind.END) {
            return new Number(text);
        }
        if (alone && first == Kind.WORD) {
            String word = text.toLowerCase(Locale.ROOT);
            if (word.equals("null")) {
                return new Null(text);
            }
            if (word.equals("true") || word.equals("false")) {
                return new Bool(text);
            }
        }
        return new Expression(text);
    }

    private static String text(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }
}
