package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.router.sql.SqlTokenizer;
import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The client's statement as the coordinator runs it when it names a shadowed table with its schema.
 * A temporary table shadows the plain name only: {@code public.orders} would read the real table on
 * the coordinator (the default shard's own rows alone, a wrong answer). So, token by token (as
 * PostgreSQL's lexer splits the text: strings, comments and quoted identifiers are never touched),
 * {@code schema.t} becomes {@code pg_temp.t} where {@code schema} is the one the catalog says
 * {@code t} lives in; the table's own token is kept as written, quotes included. Refused, since it
 * cannot be exact: another qualifier ({@code o.orders}: an alias and a column named like the table,
 * or a table of that name in another schema, which is not the sharded one), three parts
 * ({@code db.public.orders}), a cast to the table's row type ({@code ::public.orders}). A call of a
 * function named like the table ({@code public.orders(...)}) is left alone.
 */
public final class QualifiedNames {
    private QualifiedNames() {
    }

    /** The text to run, or why it cannot run on the coordinator. */
    public sealed interface Outcome permits Rewritten, Refused {
    }

    /** {@code sql} the same text where nothing is named with its schema. */
    public record Rewritten(String sql) implements Outcome {
    }

    public record Refused(String reason) implements Outcome {
    }

    private record Token(Kind kind, String value, int start, int stop) {
        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
        }

        boolean isPunct(char c) {
            return kind == Kind.PUNCT && value.length() == 1 && value.charAt(0) == c;
        }
    }

    /**
     * {@code sql} with each {@code schema.t} of a table in {@code schemaOf} (the table's name as
     * PostgreSQL folds it, to its schema as the catalog spells it) read as {@code pg_temp.t}.
     */
    public static Outcome rewrite(String sql, Map<String, String> schemaOf) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        List<Token> tokens = tokens(bytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 16);
        int copied = 0;
        for (int i = 0; i + 2 < tokens.size(); i++) {
            Token qualifier = tokens.get(i);
            Token table = tokens.get(i + 2);
            if (!qualifier.isName() || !tokens.get(i + 1).isPunct('.') || !table.isName()
                    || !schemaOf.containsKey(table.value())) {
                continue;
            }
            if (i + 3 < tokens.size() && tokens.get(i + 3).isPunct('(')) {
                continue;
            }
            String written = new String(bytes, qualifier.start(), table.stop() - qualifier.start(), StandardCharsets.UTF_8);
            if (i > 0 && (tokens.get(i - 1).isPunct('.') || tokens.get(i - 1).isPunct(':'))) {
                return refused(written, table.value(), "a name of three parts or a cast to the table's row type");
            }
            String schema = schemaOf.get(table.value());
            if (!qualifier.value().equals(schema)) {
                return refused(written, table.value(), "the table lives in schema " + schema + ", and " + qualifier.value()
                        + "." + table.value() + " is not it (or is an alias and a column named like the table)");
            }
            out.write(bytes, copied, qualifier.start() - copied);
            out.writeBytes("pg_temp.".getBytes(StandardCharsets.UTF_8));
            out.write(bytes, table.start(), table.stop() - table.start());
            copied = table.stop();
            i += 2;
        }
        if (copied == 0) {
            return new Rewritten(sql);
        }
        out.write(bytes, copied, bytes.length - copied);
        return new Rewritten(out.toString(StandardCharsets.UTF_8));
    }

    private static Refused refused(String written, String table, String why) {
        return new Refused("this SELECT needs the coordinator step (its rows come from several shards and pgsteer cannot"
                + " merge them), which reads table " + table + " from a temporary table of that name; it cannot read "
                + written + " as that table: " + why + "; name it without its schema");
    }

    private static List<Token> tokens(byte[] bytes) {
        List<Token> tokens = new ArrayList<>();
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
        for (Kind kind = t.next(); kind != Kind.END; kind = t.next()) {
            tokens.add(new Token(kind, t.value(), t.start(), t.stop()));
        }
        return tokens;
    }
}
