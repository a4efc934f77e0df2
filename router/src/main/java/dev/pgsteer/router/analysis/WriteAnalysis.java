package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.analysis.StatementAnalyzer.FEATURE_NOT_SUPPORTED;
import static dev.pgsteer.router.syntax.Identifiers.identifier;
import static dev.pgsteer.router.syntax.Identifiers.name;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import java.util.List;
import java.util.Optional;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;

/**
 * UPDATE and DELETE: where the target's key conditions send them, with the tables they read (FROM,
 * USING, joins, subqueries of WHERE) in the same key groups; with {@code column IN (SELECT ...)},
 * also how to write without the subquery ({@link KeysFromSubquery}); with FROM or USING over tables
 * that are not co-located, how pgsteer writes it itself ({@link JoinedWrites}). An UPDATE that sets a shard
 * key, and a write to a reference or unsharded table that reads sharded ones, are refused.
 */
final class WriteAnalysis {
    private WriteAnalysis() {
    }

    static Analysis update(Update update, String text, ShardMap shardMap) {
        TableConfig table = shardMap.tableOf(update.getTable()).orElse(null);
        if (table instanceof TableConfig.Sharded sharded) {
            for (UpdateSet set : update.getUpdateSets()) {
                for (Column column : set.getColumns()) {
                    if (identifier(column.getColumnName()).equals(sharded.key())) {
                        return Analysis.refused(FEATURE_NOT_SUPPORTED, "UPDATE of " + sharded.name() + " sets its shard key "
                                + sharded.key() + ", which would move rows between shards; DELETE and INSERT them instead");
                    }
                }
            }
        }
        KeyScopes scopes = new KeyScopes(shardMap);
        KeyScope scope = scopes.open(null);
        scope.add(update.getTable(), true);
        if (update.getFromItem() != null) {
            scopes.fromItem(update.getFromItem(), scope);
        }
        if (update.getJoins() != null) {
            for (Join join : update.getJoins()) {
                scopes.join(join, scope);
            }
        }
        scope.where(update.getWhere());
        scopes.expressionSubqueries(update.getWhere(), scope);
        // A subquery in SET or RETURNING reads too: run on each shard, it would read that shard's rows only.
        for (UpdateSet set : update.getUpdateSets()) {
            subqueries(set.getValues(), scopes, scope);
        }
        subqueries(update.getReturningClause(), scopes, scope);
        Analysis analysis = write(table, update.getTable(), scopes);
        if (table instanceof TableConfig.Sharded sharded && analysis.placement() instanceof Placement.ByKey byKey) {
            Optional<Placement> other = KeysFromSubquery.of(update, update.getTable(), sharded, update.getWhere(), update::setWhere,
                    shardMap, byKey).map(Placement.class::cast);
            if (other.isEmpty() && text != null && readsElsewhere(byKey)) {
                other = JoinedWrites.of(update, text, sharded, byKey).map(Placement.class::cast);
            }
            return other.map(placement -> new Analysis(StatementKind.WRITE, placement, null, null)).orElse(analysis);
        }
        return analysis;
    }

    static Analysis delete(Delete delete, String text, ShardMap shardMap) {
        TableConfig table = shardMap.tableOf(delete.getTable()).orElse(null);
        KeyScopes scopes = new KeyScopes(shardMap);
        KeyScope scope = scopes.open(null);
        scope.add(delete.getTable(), true);
        if (delete.getUsingList() != null) {
            delete.getUsingList().forEach(t -> scope.add(t, false));
        }
        if (delete.getJoins() != null) {
            for (Join join : delete.getJoins()) {
                scopes.join(join, scope);
            }
        }
        scope.where(delete.getWhere());
        scopes.expressionSubqueries(delete.getWhere(), scope);
        subqueries(delete.getReturningClause(), scopes, scope);
        Analysis analysis = write(table, delete.getTable(), scopes);
        if (table instanceof TableConfig.Sharded sharded && analysis.placement() instanceof Placement.ByKey byKey) {
            Optional<Placement> other = KeysFromSubquery.of(delete, delete.getTable(), sharded, delete.getWhere(), delete::setWhere,
                    shardMap, byKey).map(Placement.class::cast);
            if (other.isEmpty() && text != null && readsElsewhere(byKey)) {
                other = JoinedWrites.of(delete, text, sharded, byKey).map(Placement.class::cast);
            }
            return other.map(placement -> new Analysis(StatementKind.WRITE, placement, null, null)).orElse(analysis);
        }
        return analysis;
    }

    /** The subqueries of SET values or RETURNING items ({@code items}: expressions or select items; null: none) as scopes. */
    static void subqueries(List<?> items, KeyScopes scopes, KeyScope scope) {
        if (items == null) {
            return;
        }
        for (Object item : items) {
            switch (item) {
                case SelectItem<?> selected -> scopes.expressionSubqueries(selected.getExpression(), scope);
                case Expression expression -> scopes.expressionSubqueries(expression, scope);
                default -> {
                    // Nothing else holds a subquery.
                }
            }
        }
    }

    /** Whether the route may refuse the write: sharded tables not joined on their keys, or an unsharded one. */
    private static boolean readsElsewhere(Placement.ByKey byKey) {
        return byKey.groups().size() > 1 || byKey.defaultOnly() != null;
    }

    private static Analysis write(TableConfig table, Table target, KeyScopes scopes) {
        if (table instanceof TableConfig.Reference) {
            if (scopes.hasSharded()) {
                return Analysis.refused(FEATURE_NOT_SUPPORTED, "a write to reference table " + table.name()
                        + " that reads sharded tables; every shard would see different rows");
            }
            return new Analysis(StatementKind.WRITE, new Placement.AllShards("reference table " + table.name(), Answer.MIRROR), null, null);
        }
        if (table == null) {
            Placement placement = scopes.placement(true);
            if (placement instanceof Placement.ByKey) {
                return Analysis.refused(FEATURE_NOT_SUPPORTED, "a write to unsharded table " + name(target)
                        + " that reads sharded tables; it lives on the default shard only");
            }
            return new Analysis(StatementKind.WRITE, new Placement.DefaultShard("unsharded table " + name(target)), null, null);
        }
        return new Analysis(StatementKind.WRITE, scopes.placement(true), null, null);
    }
}
