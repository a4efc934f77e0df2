package dev.pgsteer.router.syntax;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.CollateExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * JSQLParser, the slow step of routing: run once per shape (then cached), off the event loop.
 *
 * <p>JSQLParser reads {@code COLLATE name} only with a bare name, but PostgreSQL's collations are
 * mostly named quoted ({@code COLLATE "C"}, {@code COLLATE "en-x-icu"}): such a name is read as a
 * stand-in ({@code COLLATE pgsteer_collation_0}) and put back, quoted as written, into the tree, so
 * the tree prints the statement as it came.
 */
public final class Parser {
    private static final Pattern QUOTED_COLLATION =
            Pattern.compile("(?i)\\bCOLLATE(\\s+)((?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*)\\s*\\.\\s*)?(\"(?:[^\"]|\"\")*\")");
    private static final String STAND_IN = "pgsteer_collation_";

    private Parser() {
    }

    /** The tree of {@code sql}, or null when JSQLParser cannot read it (or overflows its stack trying). */
    public static Statement parse(String sql) {
        Statement statement = tryParse(sql);
        if (statement != null || !QUOTED_COLLATION.matcher(sql).find()) {
            return statement;
        }
        return withQuotedCollations(sql);
    }

    private static Statement tryParse(String sql) {
        try {
            return CCJSqlParserUtil.parse(sql);
        } catch (JSQLParserException | RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    private static Statement withQuotedCollations(String sql) {
        List<String> names = new ArrayList<>();
        Matcher m = QUOTED_COLLATION.matcher(sql);
        StringBuilder standIn = new StringBuilder();
        while (m.find()) {
            String name = (m.group(2) == null ? "" : m.group(2).replaceAll("\\s+", "")) + m.group(3);
            m.appendReplacement(standIn, Matcher.quoteReplacement("COLLATE" + m.group(1) + STAND_IN + names.size()));
            names.add(name);
        }
        m.appendTail(standIn);
        Statement statement = tryParse(standIn.toString());
        if (statement == null) {
            return null;
        }
        try {
            new CollationNames(names).getTables(statement);
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
        // A COLLATE the walk did not reach would reach a shard as the stand-in: not read, rather than sent wrong.
        return statement.toString().contains(STAND_IN) ? null : statement;
    }

    /**
     * Puts the quoted names back. JSQLParser's walk visits every expression that may name a table,
     * which leaves out ORDER BY and GROUP BY: those are walked here too.
     */
    private static final class CollationNames extends TablesNamesFinder<Void> {
        private final List<String> names;

        CollationNames(List<String> names) {
            this.names = names;
        }

        @Override
        public <S> Void visit(CollateExpression collate, S context) {
            String name = collate.getCollate();
            if (name != null && name.startsWith(STAND_IN)) {
                collate.setCollate(names.get(Integer.parseInt(name.substring(STAND_IN.length()))));
            }
            return super.visit(collate, context);
        }

        @Override
        public <S> Void visit(PlainSelect plain, S context) {
            super.visit(plain, context);
            if (plain.getOrderByElements() != null) {
                plain.getOrderByElements().forEach(o -> o.getExpression().accept(this, context));
            }
            if (plain.getGroupBy() != null && plain.getGroupBy().getGroupByExpressionList() != null) {
                for (Object e : plain.getGroupBy().getGroupByExpressionList()) {
                    if (e instanceof Expression x) {
                        x.accept(this, context);
                    }
                }
            }
            return null;
        }
    }
}
