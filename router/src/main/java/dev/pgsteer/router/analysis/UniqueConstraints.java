package dev.pgsteer.router.analysis;

import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The uniqueness a CREATE TABLE, ALTER TABLE or CREATE UNIQUE INDEX asks of its table, read from the
 * statement's tokens rather than JSQLParser's tree: many of these forms do not parse
 * ({@code CREATE UNIQUE INDEX ON t (c)}, {@code CONCURRENTLY}, {@code INCLUDE}, {@code NULLS NOT
 * DISTINCT}, {@code EXCLUDE}, a partial index), and one reader gives one answer for all of them.
 * Each constraint lists the columns it compares for equality, as PostgreSQL folds them; a column
 * pgsteer cannot tell (an expression) is left out, so a check for a column errs towards refusing.
 */
final class UniqueConstraints {
    /** What makes rows unique, as a message names it, and how it must hold the shard key. */
    enum Form {
        UNIQUE("a UNIQUE constraint", ""),
        PRIMARY_KEY("a PRIMARY KEY", ""),
        UNIQUE_INDEX("a unique index", " as a plain column"),
        EXCLUDE("an EXCLUDE constraint", " compared WITH =");

        final String what;
        final String how;

        Form(String what, String how) {
            this.what = what;
            this.how = how;
        }
    }

    record Constraint(Form form, List<String> columns) {
    }

    /** The table the statement creates or alters (its name without schema, folded) and the uniqueness it asks. */
    record Target(String table, List<Constraint> constraints) {
    }

    private record Token(Kind kind, String value) {
        boolean is(String word) {
            return kind == Kind.WORD && value.equals(word);
        }

        boolean isPunct(String c) {
            return kind == Kind.PUNCT && value.equals(c);
        }

        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
        }
    }

    private final List<Token> tokens;
    private final List<Constraint> found = new ArrayList<>();
    private int at;

    private UniqueConstraints(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** The statement's target and constraints; empty when it is no CREATE TABLE, ALTER TABLE or CREATE UNIQUE INDEX. */
    static Optional<Target> of(String sql) {
        return new UniqueConstraints(tokens(sql)).read();
    }

    private Optional<Target> read() {
        if (accept("alter")) {
            return accept("table") ? Optional.of(alterTable()) : Optional.empty();
        }
        if (!accept("create")) {
            return Optional.empty();
        }
        if (accept("unique")) {
            return accept("index") ? Optional.of(uniqueIndex()) : Optional.empty();
        }
        while (accept("global") || accept("local") || accept("temp") || accept("temporary") || accept("unlogged")) {
            // a temporary or unlogged table is still a table
        }
        return accept("table") ? Optional.of(createTable()) : Optional.empty();
    }

    /** CREATE UNIQUE INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table [USING method] (element, ...) ... */
    private Target uniqueIndex() {
        while (at < tokens.size() && !peek().is("on")) {
            at++;
        }
        accept("on");
        accept("only");
        String table = qualifiedName();
        if (accept("using")) {
            at++;
        }
        List<String> columns = new ArrayList<>();
        for (List<Token> element : group()) {
            if (isPlainColumn(element)) {
                columns.add(element.getFirst().value());
            }
        }
        found.add(new Constraint(Form.UNIQUE_INDEX, columns));
        return new Target(table, found);
    }

    /** CREATE TABLE [IF NOT EXISTS] table (element, ...): AS, OF and PARTITION OF ask nothing here. */
    private Target createTable() {
        skipIf("if", "not", "exists");
        String table = qualifiedName();
        if (peek().isPunct("(")) {
            for (List<Token> element : group()) {
                tableElement(element);
            }
        }
        return new Target(table, found);
    }

    /** ALTER TABLE [IF EXISTS] [ONLY] table [*] action, ...: only ADD [COLUMN] asks for uniqueness. */
    private Target alterTable() {
        skipIf("if", "exists");
        accept("only");
        String table = qualifiedName();
        if (peek().isPunct("*")) {
            at++;
        }
        for (List<Token> action : split(tokens.subList(at, tokens.size()))) {
            if (!action.isEmpty() && action.getFirst().is("add")) {
                int from = 1;
                if (from < action.size() && action.get(from).is("column")) {
                    from++;
                }
                if (from + 2 < action.size() && action.get(from).is("if") && action.get(from + 1).is("not")
                        && action.get(from + 2).is("exists")) {
                    from += 3;
                }
                tableElement(action.subList(from, action.size()));
            }
        }
        return new Target(table, found);
    }

    /** One element of CREATE TABLE's list, or what ADD adds: a table constraint or a column with its constraints. */
    private void tableElement(List<Token> element) {
        if (element.isEmpty()) {
            return;
        }
        int i = element.getFirst().is("constraint") ? 2 : 0;
        Token first = i < element.size() ? element.get(i) : new Token(Kind.END, "");
        if (first.is("unique")) {
            keyColumns(Form.UNIQUE, element, i + 1);
        } else if (first.is("primary") && i + 1 < element.size() && element.get(i + 1).is("key")) {
            keyColumns(Form.PRIMARY_KEY, element, i + 2);
        } else if (first.is("exclude") && i + 1 < element.size()
                && (element.get(i + 1).is("using") || element.get(i + 1).isPunct("("))) {
            exclude(element, i + 1);
        } else if (first.is("check") || first.is("foreign") || first.is("like") || i > 0) {
            return;
        } else if (first.isName()) {
            columnConstraints(element);
        }
    }

    /** UNIQUE [NULLS [NOT] DISTINCT] (column, ...) or PRIMARY KEY (column, ...); USING INDEX adopts an index checked when it was made. */
    private void keyColumns(Form kind, List<Token> element, int from) {
        int i = from;
        if (i < element.size() && element.get(i).is("nulls")) {
            i += i + 1 < element.size() && element.get(i + 1).is("not") ? 3 : 2;
        }
        if (i < element.size() && element.get(i).is("using")) {
            return;
        }
        List<String> columns = new ArrayList<>();
        if (i < element.size() && element.get(i).isPunct("(")) {
            for (List<Token> column : groupAt(element, i)) {
                if (column.size() == 1 && column.getFirst().isName()) {
                    columns.add(column.getFirst().value());
                }
            }
        }
        found.add(new Constraint(kind, columns));
    }

    /** EXCLUDE [USING method] (element WITH operator, ...): only {@code column WITH =} makes rows equal on a column. */
    private void exclude(List<Token> element, int from) {
        int i = from;
        if (element.get(i).is("using")) {
            i += 2;
        }
        List<String> columns = new ArrayList<>();
        if (i < element.size() && element.get(i).isPunct("(")) {
            for (List<Token> part : groupAt(element, i)) {
                if (part.size() == 3 && part.get(0).isName() && part.get(1).is("with") && part.get(2).isPunct("=")) {
                    columns.add(part.get(0).value());
                }
            }
        }
        found.add(new Constraint(Form.EXCLUDE, columns));
    }

    /** A column definition: UNIQUE or PRIMARY KEY outside parentheses makes the column itself unique. */
    private void columnConstraints(List<Token> element) {
        String column = element.getFirst().value();
        int depth = 0;
        for (int i = 1; i < element.size(); i++) {
            Token t = element.get(i);
            if (t.isPunct("(")) {
                depth++;
            } else if (t.isPunct(")")) {
                depth--;
            } else if (depth == 0 && t.is("unique")) {
                found.add(new Constraint(Form.UNIQUE, List.of(column)));
            } else if (depth == 0 && t.is("primary") && i + 1 < element.size() && element.get(i + 1).is("key")) {
                found.add(new Constraint(Form.PRIMARY_KEY, List.of(column)));
            }
        }
    }

    /** A column by its name alone, perhaps with a collation, an operator class and an order: no expression. */
    private static boolean isPlainColumn(List<Token> element) {
        if (element.isEmpty() || !element.getFirst().isName()) {
            return false;
        }
        for (Token t : element) {
            if (!t.isName() && !t.isPunct(".")) {
                return false;
            }
        }
        return true;
    }

    /** A table name, perhaps schema-qualified: the last part, which is what the shard map names. */
    private String qualifiedName() {
        String name = "";
        while (at < tokens.size() && peek().isName()) {
            name = tokens.get(at++).value();
            if (!peek().isPunct(".")) {
                break;
            }
            at++;
        }
        return name;
    }

    /** The comma-separated elements of the parenthesised list that starts here (none if none does). */
    private List<List<Token>> group() {
        return peek().isPunct("(") ? groupAt(tokens, at) : List.of();
    }

    private static List<List<Token>> groupAt(List<Token> tokens, int open) {
        int depth = 0;
        for (int i = open; i < tokens.size(); i++) {
            if (tokens.get(i).isPunct("(")) {
                depth++;
            } else if (tokens.get(i).isPunct(")") && --depth == 0) {
                return split(tokens.subList(open + 1, i));
            }
        }
        return split(tokens.subList(open + 1, tokens.size()));
    }

    /** {@code tokens} cut at the commas outside parentheses. */
    private static List<List<Token>> split(List<Token> tokens) {
        List<List<Token>> parts = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.isPunct("(")) {
                depth++;
            } else if (t.isPunct(")")) {
                depth--;
            } else if (depth == 0 && t.isPunct(",")) {
                parts.add(tokens.subList(from, i));
                from = i + 1;
            }
        }
        parts.add(tokens.subList(from, tokens.size()));
        return parts;
    }

    private Token peek() {
        return at < tokens.size() ? tokens.get(at) : new Token(Kind.END, "");
    }

    private boolean accept(String word) {
        if (peek().is(word)) {
            at++;
            return true;
        }
        return false;
    }

    private void skipIf(String... words) {
        for (int i = 0; i < words.length; i++) {
            if (at + i >= tokens.size() || !tokens.get(at + i).is(words[i])) {
                return;
            }
        }
        at += words.length;
    }

    private static List<Token> tokens(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer tokenizer = new SqlTokenizer(bytes, 0, bytes.length, false);
        List<Token> tokens = new ArrayList<>();
        for (Kind kind = tokenizer.next(); kind != Kind.END; kind = tokenizer.next()) {
            if (kind == Kind.PUNCT && tokenizer.isPunct(';')) {
                break;
            }
            tokens.add(new Token(kind, kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER || kind == Kind.PUNCT
                    ? tokenizer.value() : ""));
        }
        return tokens;
    }
}
