package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.analysis.KeyScope.Scoped;
import dev.pgsteer.router.plan.KeyCondition;
import dev.pgsteer.router.plan.Placement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import net.sf.jsqlparser.expression.AnyComparisonExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;

/**
 * All scopes of one statement, and which sharded aliases are joined on their keys (a union-find):
 * tables joined on their keys form one group, whose rows can be joined shard by shard. The
 * {@link Placement} comes from the groups, the unsharded tables and the write target.
 */
final class KeyScopes {
    private final ShardMap shardMap;
    private final List<KeyScope> all = new ArrayList<>();
    private final Map<Scoped, Scoped> parent = new HashMap<>();
    private final Map<Scoped, TableConfig.Sharded> tables = new LinkedHashMap<>();
    private final Set<String> cteNames = new HashSet<>();
    final Set<String> references = new LinkedHashSet<>();

    KeyScopes(ShardMap shardMap) {
        this.shardMap = shardMap;
    }

    ShardMap shardMap() {
        return shardMap;
    }

    KeyScope open(KeyScope enclosing) {
        KeyScope scope = new KeyScope(this, enclosing);
        all.add(scope);
        return scope;
    }

    boolean isCte(String name) {
        return cteNames.contains(name);
    }

    void register(KeyScope scope, String alias, TableConfig.Sharded table) {
        Scoped key = new Scoped(scope, alias);
        parent.put(key, key);
        tables.put(key, table);
    }

    private Scoped find(Scoped s) {
        Scoped p = parent.get(s);
        if (p == null || p.equals(s)) {
            return s;
        }
        Scoped root = find(p);
        parent.put(s, root);
        return root;
    }

    void union(Scoped a, Scoped b) {
        TableConfig.Sharded ta = tables.get(a);
        TableConfig.Sharded tb = tables.get(b);
        // Only tables placed by the same function are joined shard by shard.
        if (ta != null && tb != null && ta.function().equals(tb.function())
                && Objects.equals(ta.keyType(), tb.keyType())) {
            parent.put(find(a), find(b));
        }
    }

    boolean hasSharded() {
        return !tables.isEmpty();
    }

    void select(Select select, KeyScope enclosing) {
        if (select.getWithItemsList() != null) {
            select.getWithItemsList().forEach(with -> {
                cteNames.add(identifier(with.getAlias() != null ? with.getAlias().getName() : with.toString()));
                if (with.getSelect() != null) {
                    select(with.getSelect(), enclosing);
                }
            });
        }
        switch (select) {
            case PlainSelect plain -> plain(plain, enclosing);
            case SetOperationList set -> set.getSelects().forEach(s -> select(s, enclosing));
            case ParenthesedSelect parenthesed -> select(parenthesed.getSelect(), enclosing);
            default -> {
            }
        }
    }

    private void plain(PlainSelect plain, KeyScope enclosing) {
        KeyScope scope = open(enclosing);
        if (plain.getFromItem() != null) {
            fromItem(plain.getFromItem(), scope);
        }
        if (plain.getJoins() != null) {
            for (Join join : plain.getJoins()) {
                join(join, scope);
            }
        }
        scope.where(plain.getWhere());
        expressionSubqueries(plain.getWhere(), scope);
        expressionSubqueries(plain.getHaving(), scope);
        if (plain.getSelectItems() != null) {
            plain.getSelectItems().forEach(item -> expressionSubqueries(item.getExpression(), scope));
        }
    }

    void fromItem(FromItem item, KeyScope scope) {
        switch (item) {
            case Table table -> scope.add(table, false);
            case ParenthesedSelect sub -> select(sub.getSelect(), scope);
            case ParenthesedFromItem p -> {
                fromItem(p.getFromItem(), scope);
                if (p.getJoins() != null) {
                    p.getJoins().forEach(j -> join(j, scope));
                }
            }
            default -> {
            }
        }
    }

    void join(Join join, KeyScope scope) {
        fromItem(join.getRightItem(), scope);
        boolean inner = !join.isLeft() && !join.isRight() && !join.isFull() && !join.isOuter();
        if (join.getOnExpressions() != null) {
            for (Expression on : join.getOnExpressions()) {
                if (inner) {
                    scope.where(on);
                } else {
                    scope.keyJoins(on);
                }
                expressionSubqueries(on, scope);
            }
        }
        if (join.getUsingColumns() != null) {
            for (Column using : join.getUsingColumns()) {
                List<Scoped> keyed = new ArrayList<>();
                scope.sharded.forEach((alias, table) -> {
                    if (table.key().equals(identifier(using.getColumnName()))) {
                        keyed.add(new Scoped(scope, alias));
                    }
                });
                for (int i = 1; i < keyed.size(); i++) {
                    union(keyed.get(0), keyed.get(i));
                }
            }
        }
    }

    /** Subqueries inside an expression (IN (SELECT ...), EXISTS (...), scalar subqueries) are scopes too. */
    void expressionSubqueries(Expression expression, KeyScope scope) {
        if (expression == null) {
            return;
        }
        expression.accept(new ExpressionVisitorAdapter<Void>() {
            // JSQLParser hands a subquery of an expression (IN (SELECT ...), EXISTS, a scalar
            // subquery) to visit(Select), not to visit(ParenthesedSelect).
            @Override
            public <S> Void visit(Select sub, S context) {
                select(sub, scope);
                return null;
            }

            // x > ALL (SELECT ...), x = ANY (SELECT ...): the adapter does not walk into these.
            @Override
            public <S> Void visit(AnyComparisonExpression any, S context) {
                if (any.getSelect() != null) {
                    select(any.getSelect(), scope);
                }
                return null;
            }
        }, null);
    }

    /** Where the statement goes, from the key groups, the unsharded tables and the write target. */
    Placement placement(boolean write) {
        Set<String> unsharded = new LinkedHashSet<>();
        all.forEach(s -> unsharded.addAll(s.unsharded));
        if (tables.isEmpty()) {
            if (!unsharded.isEmpty()) {
                return new Placement.DefaultShard("unsharded table " + unsharded.iterator().next());
            }
            return references.isEmpty() ? new Placement.DefaultShard("no sharded table")
                    : new Placement.AnyShard("reference table " + references.iterator().next());
        }
        Map<Scoped, List<Placement.Member>> groups = new LinkedHashMap<>();
        tables.forEach((scoped, table) -> groups.computeIfAbsent(find(scoped), k -> new ArrayList<>())
                .add(new Placement.Member(table, scoped.scope().conditions.getOrDefault(scoped.alias(), KeyCondition.ANY))));
        List<Placement.KeyGroup> keyGroups = groups.values().stream().map(Placement.KeyGroup::new).toList();
        Set<String> alsoReads = new LinkedHashSet<>(unsharded);
        alsoReads.addAll(references);
        return new Placement.ByKey(keyGroups, unsharded.isEmpty() ? null : unsharded.iterator().next(), write,
                List.copyOf(alsoReads));
    }
}
