package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.syntax.InLists;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * An UPDATE or DELETE of a sharded table whose WHERE has a conjunct {@code column IN (SELECT x ...)}:
 * when the subquery reads rows of other shards, pgsteer can run it first and the write after with its
 * values as constants ({@link Placement.KeysFromSubquery}). Only where that is exactly the statement:
 * one column of the subquery (not {@code *}), {@code IN} and not {@code NOT IN}, and nothing else in
 * the statement that reads another table than the target and reference tables (each shard runs the
 * rest on its own rows).
 */
final class KeysFromSubquery {
    private static final String MARKER = Placement.KeysFromSubquery.MARKER;

    private KeysFromSubquery() {
    }

    /**
     * The alternative to {@code byKey} (the plan when the subquery's rows are co-located), or empty;
     * {@code where} and {@code setWhere} reach the statement's WHERE (changed and put back here).
     */
    static Optional<Placement.KeysFromSubquery> of(Statement statement, Table target, TableConfig.Sharded table, Expression where,
                                                   Consumer<Expression> setWhere, ShardMap shardMap, Placement.ByKey byKey) {
        // JSQLParser 5.3 reads "x IN (SELECT ...) AND y" as "x IN ((SELECT ...) AND y)": the conjuncts
        // are looked for in the tree PostgreSQL reads (printed, it is the same text).
        Expression read = repaired(where);
        InExpression in = find(read, target, table);
        if (in == null) {
            return Optional.empty();
        }
        Column marker = new Column(MARKER);
        setWhere.accept(replace(read, in, marker));
        try {
            List<String> tables = List.copyOf(new TablesNamesFinder<Void>().getTables(statement));
            for (String name : tables) {
                String plain = identifier(name.substring(name.lastIndexOf('.') + 1));
                if (!plain.equals(table.name()) && !(shardMap.database().table(plain).orElse(null) instanceof TableConfig.Reference)) {
                    return Optional.empty();
                }
            }
            String shape = statement.toString();
            if (shape.indexOf(MARKER) != shape.lastIndexOf(MARKER) || occurrences(shape, table.name()) != 1) {
                return Optional.empty();
            }
            return Optional.of(new Placement.KeysFromSubquery(table, ((ParenthesedSelect) in.getRightExpression()).getSelect().toString(),
                    in.getLeftExpression().toString(), shape, byKey));
        } finally {
            setWhere.accept(where);
        }
    }

    /** The WHERE with every misread IN among its top-level conjuncts put right ({@link InLists}). */
    private static Expression repaired(Expression where) {
        return switch (where) {
            case AndExpression and -> {
                Expression left = repaired(and.getLeftExpression());
                Expression right = repaired(and.getRightExpression());
                yield left == and.getLeftExpression() && right == and.getRightExpression() ? and : new AndExpression(left, right);
            }
            case InExpression in when InLists.isMisread(in) -> repaired(InLists.repaired(in));
            case null, default -> where;
        };
    }

    /** A top-level conjunct {@code column-of-target IN (SELECT one-item ...)}. */
    private static InExpression find(Expression where, Table target, TableConfig.Sharded table) {
        return switch (where) {
            case AndExpression and -> {
                InExpression left = find(and.getLeftExpression(), target, table);
                yield left != null ? left : find(and.getRightExpression(), target, table);
            }
            case InExpression in when !in.isNot() && in.getLeftExpression() instanceof Column column && ofTarget(column, target)
                    && in.getRightExpression() instanceof ParenthesedSelect select && select.getSelect() instanceof PlainSelect plain
                    && plain.getSelectItems().size() == 1 && !(plain.getSelectItems().getFirst().getExpression() instanceof AllColumns)
                    -> in;
            case null, default -> null;
        };
    }

    private static boolean ofTarget(Column column, Table target) {
        if (column.getTable() == null || column.getTable().getName() == null) {
            return true;
        }
        String qualifier = identifier(column.getTable().getName());
        String alias = target.getAlias() != null ? identifier(target.getAlias().getName()) : null;
        return qualifier.equals(alias) || alias == null && qualifier.equals(identifier(target.getName()));
    }

    private static Expression replace(Expression where, InExpression in, Expression marker) {
        if (where == in) {
            return marker;
        }
        if (where instanceof AndExpression and) {
            return new AndExpression(replace(and.getLeftExpression(), in, marker), replace(and.getRightExpression(), in, marker));
        }
        return where;
    }

    /** How often the table's name appears as a word of the text: more than once, the statement reads it again somewhere. */
    private static int occurrences(String shape, String name) {
        int count = 0;
        Matcher m = Pattern.compile("(?i)(?<![\\w$])\"?" + Pattern.quote(name)
                + "\"?(?![\\w$])").matcher(shape);
        while (m.find()) {
            count++;
        }
        return count;
    }
}
