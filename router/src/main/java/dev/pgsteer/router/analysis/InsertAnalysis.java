package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.analysis.StatementAnalyzer.FEATURE_NOT_SUPPORTED;
import static dev.pgsteer.router.analysis.StatementAnalyzer.UNDEFINED_KEY;
import static dev.pgsteer.router.syntax.Identifiers.identifier;
import static dev.pgsteer.router.syntax.Identifiers.name;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.plan.ValueRef;
import dev.pgsteer.router.syntax.ValueRefs;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.update.UpdateSet;

/**
 * An INSERT: into a reference table on every shard, into an unsharded one on the default shard,
 * into a sharded one row by row where each row's key says ({@link Placement.InsertRows}); without a
 * column list, once the table's columns are known ({@link Placement.InsertWithoutColumns}). What
 * pgsteer cannot place (no key column, a computed key, INSERT ... SELECT, ON CONFLICT changing the
 * key) is refused.
 */
final class InsertAnalysis {
    private InsertAnalysis() {
    }

    static Analysis of(Insert insert, ShardMap shardMap) {
        Table target = insert.getTable();
        TableConfig table = shardMap.tableOf(target).orElse(null);
        KeyScopes scopes = new KeyScopes(shardMap);
        if (insert.getSelect() != null && !(insert.getSelect() instanceof Values)) {
            scopes.select(insert.getSelect(), null);
        }
        // Subqueries among the values, in ON CONFLICT or RETURNING read too: each shard (every shard, for
        // a reference table) would read its own rows only.
        KeyScopes subqueries = new KeyScopes(shardMap);
        if (insert.getSelect() instanceof Values values) {
            WriteAnalysis.subqueries(values.getExpressions(), subqueries, null);
        }
        if (insert.getConflictAction() != null) {
            if (insert.getConflictAction().getUpdateSets() != null) {
                for (UpdateSet set : insert.getConflictAction().getUpdateSets()) {
                    WriteAnalysis.subqueries(set.getValues(), subqueries, null);
                }
            }
            subqueries.expressionSubqueries(insert.getConflictAction().getWhereExpression(), null);
        }
        WriteAnalysis.subqueries(insert.getReturningClause(), subqueries, null);
        if (subqueries.hasSharded()) {
            return Analysis.refused(FEATURE_NOT_SUPPORTED, "INSERT into " + name(target) + " with a subquery that reads sharded"
                    + " tables (in its values, ON CONFLICT or RETURNING) is not supported: each shard would read its own rows"
                    + " only; read them first, or use INSERT ... SELECT");
        }
        if (table instanceof TableConfig.Reference) {
            if (scopes.hasSharded()) {
                return Analysis.refused(FEATURE_NOT_SUPPORTED, "INSERT into reference table " + table.name()
                        + " reads sharded tables; pgsteer cannot copy rows between shards");
            }
            return new Analysis(StatementKind.WRITE, new Placement.AllShards("reference table " + table.name(), Answer.MIRROR), null, null);
        }
        if (!(table instanceof TableConfig.Sharded sharded)) {
            if (scopes.hasSharded()) {
                return Analysis.refused(FEATURE_NOT_SUPPORTED, "INSERT into unsharded table " + name(target)
                        + " reads sharded tables; pgsteer cannot copy rows between shards");
            }
            return new Analysis(StatementKind.WRITE, new Placement.DefaultShard("unsharded table " + name(target)), null, null);
        }
        if (insert.getColumns() == null || insert.getColumns().isEmpty()) {
            if (insert.getSelect() == null) {
                return Analysis.refused(UNDEFINED_KEY, "INSERT into sharded table " + sharded.name()
                        + " with DEFAULT VALUES leaves its shard key " + sharded.key() + " to its default; give the key");
            }
            // Routed as if the table's columns were written, once the session knows them (Router).
            return new Analysis(StatementKind.WRITE, new Placement.InsertWithoutColumns(sharded, width(insert.getSelect())), null, null);
        }
        int keyIndex = -1;
        for (int i = 0; i < insert.getColumns().size(); i++) {
            if (identifier(insert.getColumns().get(i).getColumnName()).equals(sharded.key())) {
                keyIndex = i;
            }
        }
        if (keyIndex < 0) {
            return Analysis.refused(UNDEFINED_KEY, "INSERT into sharded table " + sharded.name()
                    + " does not give its shard key " + sharded.key() + "; add " + sharded.key() + " to the column list");
        }
        if (insert.getConflictAction() != null && insert.getConflictAction().getUpdateSets() != null) {
            for (UpdateSet set : insert.getConflictAction().getUpdateSets()) {
                for (Column column : set.getColumns()) {
                    if (identifier(column.getColumnName()).equals(sharded.key())) {
                        return Analysis.refused(FEATURE_NOT_SUPPORTED, "ON CONFLICT DO UPDATE of " + sharded.name()
                                + " changes its shard key " + sharded.key() + ", which would move rows between shards");
                    }
                }
            }
        }
        if (!(insert.getSelect() instanceof Values values)) {
            return InsertSelectAnalysis.of(insert, sharded);
        }
        List<ValueRef> keys = rowKeys(values, insert.getColumns().size(), keyIndex);
        if (keys.contains(null)) {
            return Analysis.refused(FEATURE_NOT_SUPPORTED, "INSERT into sharded table " + sharded.name()
                    + " computes its shard key " + sharded.key() + " from an expression; give it as a constant or a parameter");
        }
        return new Analysis(StatementKind.WRITE, new Placement.InsertRows(sharded, keys), null, null);
    }

    /** How many columns the rows give: the values of VALUES' first row, a SELECT's items; -1 when not known (SELECT *). */
    private static int width(Select select) {
        return switch (select) {
            case Values values when values.getExpressions() instanceof ParenthesedExpressionList<?> row -> row.size();
            case Values values when !values.getExpressions().isEmpty() && values.getExpressions().getFirst() instanceof ExpressionList<?> row
                    -> row.size();
            case PlainSelect plain when plain.getSelectItems().stream().noneMatch(item -> item.getExpression() instanceof AllColumns)
                    -> plain.getSelectItems().size();
            case ParenthesedSelect parenthesed -> width(parenthesed.getSelect());
            default -> -1;
        };
    }

    /** The key of each row of VALUES, in row order; null for a key that is computed. */
    private static List<ValueRef> rowKeys(Values values, int width, int keyIndex) {
        List<ValueRef> keys = new ArrayList<>();
        ExpressionList<?> rows = values.getExpressions();
        // JSQLParser reads both VALUES (1, 4), (2, 5) and VALUES ((1), (4)) as a list of lists: a row
        // has as many values as the INSERT has columns, which a parenthesized single value has not.
        boolean multiRow = !rows.isEmpty() && rows.stream().allMatch(row -> row instanceof ExpressionList<?> list && list.size() == width);
        if (multiRow) {
            for (Object row : rows) {
                ExpressionList<?> cells = (ExpressionList<?>) row;
                keys.add(cells.size() > keyIndex ? ValueRefs.of((Expression) cells.get(keyIndex)) : null);
            }
        } else {
            keys.add(rows.size() > keyIndex ? ValueRefs.of((Expression) rows.get(keyIndex)) : null);
        }
        return keys;
    }
}
