package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.router.plan.JoinScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * The {@link JoinScope}s of a statement: for each SELECT whose FROM list holds at least two sharded
 * tables, the {@code column = column} conditions its joined rows all meet. Only top-level conjuncts
 * count (an equality under OR or NOT constrains nothing), from its WHERE and from the ON of joins that
 * are inner (an outer join's ON keeps unmatched rows).
 */
final class JoinScopes {
    private JoinScopes() {
    }

    /**
     * @param scopeOf   every table node of the statement and the SELECT whose FROM list holds it
     * @param sharded   whether a node is a sharded table
     * @param receiving the configured names of the tables that may be narrowed to other tables' keys
     *                  (they occur once, as an inner member)
     */
    static List<JoinScope> of(Map<Table, PlainSelect> scopeOf, Predicate<Table> sharded, Set<String> receiving) {
        Map<PlainSelect, Map<String, JoinScope.Member>> members = new LinkedHashMap<>();
        scopeOf.forEach((table, scope) -> {
            if (!sharded.test(table)) {
                return;
            }
            String name = identifier(table.getName());
            String as = table.getAlias() != null ? identifier(table.getAlias().getName()) : name;
            members.computeIfAbsent(scope, k -> new LinkedHashMap<>())
                    .put(as, new JoinScope.Member(name, receiving.contains(name) && PullPlanner.isInnerMember(table, scope)));
        });
        List<JoinScope> scopes = new ArrayList<>();
        members.forEach((scope, inScope) -> {
            if (inScope.size() < 2) {
                return;
            }
            List<JoinScope.Equality> equalities = new ArrayList<>();
            equalities(scope.getWhere(), equalities);
            if (scope.getJoins() != null) {
                for (Join join : scope.getJoins()) {
                    if (isInner(join) && join.getOnExpressions() != null) {
                        join.getOnExpressions().forEach(on -> equalities(on, equalities));
                    }
                }
            }
            if (!equalities.isEmpty()) {
                scopes.add(new JoinScope(inScope, equalities));
            }
        });
        return scopes;
    }

    private static boolean isInner(Join join) {
        return !(join.isLeft() || join.isRight() || join.isFull() || join.isOuter() || join.isNatural() || join.isSemi()
                || join.isApply() || join.isCross());
    }

    private static void equalities(Expression condition, List<JoinScope.Equality> out) {
        if (condition == null) {
            return;
        }
        for (Conjuncts.Conjunct conjunct : Conjuncts.of(condition)) {
            JoinScope.Equality equality = equality(conjunct.expression());
            if (equality != null) {
                out.add(equality);
            } else {
                out.addAll(inEveryDisjunct(conjunct.expression()));
            }
        }
    }

    private static JoinScope.Equality equality(Expression e) {
        if (e instanceof EqualsTo equals && equals.getOldOracleJoinSyntax() == EqualsTo.NO_ORACLE_JOIN
                && column(equals.getLeftExpression()) instanceof JoinScope.Column left
                && column(equals.getRightExpression()) instanceof JoinScope.Column right) {
            return new JoinScope.Equality(left, right);
        }
        return null;
    }

    /**
     * For {@code (a = b AND x) OR (a = b AND y)}: the equalities every disjunct holds as a conjunct
     * of its own (as written, either way round), which every row passing the OR meets (TPC-H Q19
     * joins part and lineitem so).
     */
    private static List<JoinScope.Equality> inEveryDisjunct(Expression condition) {
        List<Expression> disjuncts = new ArrayList<>();
        PullPlanner.flattenOr(condition, disjuncts);
        if (disjuncts.size() < 2) {
            return List.of();
        }
        List<JoinScope.Equality> common = null;
        for (Expression disjunct : disjuncts) {
            List<JoinScope.Equality> own = new ArrayList<>();
            for (Conjuncts.Conjunct part : Conjuncts.of(disjunct)) {
                JoinScope.Equality equality = equality(part.expression());
                if (equality != null) {
                    own.add(equality);
                    own.add(new JoinScope.Equality(equality.right(), equality.left()));
                }
            }
            if (common == null) {
                common = own;
            } else {
                common.retainAll(own);
            }
        }
        // Each pair was kept both ways round: one is enough.
        List<JoinScope.Equality> out = new ArrayList<>();
        for (JoinScope.Equality equality : common) {
            if (!out.contains(new JoinScope.Equality(equality.right(), equality.left()))) {
                out.add(equality);
            }
        }
        return out;
    }

    /** A plain column reference, bare or qualified by a table's name or alias (not by a schema); else null. */
    private static JoinScope.Column column(Expression e) {
        if (!(e instanceof Column column) || column.getArrayConstructor() != null) {
            return null;
        }
        Table table = column.getTable();
        if (table == null || table.getName() == null) {
            return new JoinScope.Column(null, identifier(column.getColumnName()));
        }
        if (table.getSchemaName() != null) {
            return null;
        }
        return new JoinScope.Column(identifier(table.getName()), identifier(column.getColumnName()));
    }
}
