package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;
import static dev.pgsteer.router.syntax.Identifiers.isCatalog;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.KeyCondition;
import dev.pgsteer.router.syntax.InLists;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;

/** One level of a query: the tables of its FROM and JOINs, by alias, and what its conditions say about their keys. */
final class KeyScope {
    /** A sharded table's alias in the scope that declares it: a member of the union-find of {@link KeyScopes}. */
    record Scoped(KeyScope scope, String alias) {
    }

    final KeyScopes owner;
    final KeyScope parent;
    final Map<String, TableConfig.Sharded> sharded = new LinkedHashMap<>();
    final Map<String, KeyCondition> conditions = new HashMap<>();
    final Set<String> unsharded = new LinkedHashSet<>();
    final Set<String> writeTargets = new LinkedHashSet<>();

    KeyScope(KeyScopes owner, KeyScope parent) {
        this.owner = owner;
        this.parent = parent;
    }

    void add(Table table, boolean writeTarget) {
        if (table == null || table.getName() == null) {
            return;
        }
        String alias = table.getAlias() != null ? identifier(table.getAlias().getName()) : identifier(table.getName());
        Optional<TableConfig> config = owner.shardMap().tableOf(table);
        if (config.isPresent() && config.get() instanceof TableConfig.Sharded s) {
            sharded.put(alias, s);
            conditions.put(alias, KeyCondition.ANY);
            owner.register(this, alias, s);
            if (writeTarget) {
                writeTargets.add(alias);
            }
        } else if (config.isPresent()) {
            owner.references.add(config.get().name());
        } else if (!isCatalog(table) && !owner.isCte(identifier(table.getName()))) {
            unsharded.add(identifier(table.getName()));
        }
    }

    /** Conditions that filter rows (WHERE, inner-join ON): they restrict keys and may join keys. */
    void where(Expression where) {
        if (where == null) {
            return;
        }
        for (String alias : sharded.keySet()) {
            conditions.merge(alias, KeyConditions.of(where, e -> isKeyOf(e, alias)), KeyCondition::and);
        }
        keyJoins(where);
    }

    /** {@code a.key = b.key} in the conjunctive part of a condition joins a and b shard by shard. */
    void keyJoins(Expression e) {
        if (e instanceof InExpression in && InLists.isMisread(in)) {
            keyJoins(InLists.repaired(in));
        } else if (e instanceof AndExpression and) {
            keyJoins(and.getLeftExpression());
            keyJoins(and.getRightExpression());
        } else if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
            keyJoins((Expression) list.get(0));
        } else if (e instanceof EqualsTo eq && eq.getLeftExpression() instanceof Column l
                && eq.getRightExpression() instanceof Column r) {
            Scoped left = keyColumn(l);
            Scoped right = keyColumn(r);
            if (left != null && right != null) {
                owner.union(left, right);
            }
        }
    }

    /** The sharded table alias whose key {@code column} is, in this scope or an enclosing one. */
    Scoped keyColumn(Column column) {
        String name = identifier(column.getColumnName());
        String qualifier = column.getTable() != null && column.getTable().getName() != null
                ? identifier(column.getTable().getName()) : null;
        for (KeyScope s = this; s != null; s = s.parent) {
            if (qualifier != null) {
                TableConfig.Sharded t = s.sharded.get(qualifier);
                if (t != null) {
                    return t.key().equals(name) ? new Scoped(s, qualifier) : null;
                }
            } else {
                for (Map.Entry<String, TableConfig.Sharded> entry : s.sharded.entrySet()) {
                    if (entry.getValue().key().equals(name)) {
                        return new Scoped(s, entry.getKey());
                    }
                }
            }
        }
        return null;
    }

    private boolean isKeyOf(Expression e, String alias) {
        if (!(e instanceof Column column)) {
            return false;
        }
        Scoped scoped = keyColumn(column);
        return scoped != null && scoped.scope() == this && scoped.alias().equals(alias);
    }
}
