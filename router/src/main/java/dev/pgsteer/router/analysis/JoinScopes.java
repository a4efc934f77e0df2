package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.router.plan.JoinScope;
import dev.pgsteer.router.plan.PullPlan;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * The {@link JoinScope}s of a statement: for each SELECT whose FROM list holds a sharded table joined
 * to another, correlated to one of the SELECT around it, or holding a top-level {@code x IN (SELECT y
 * FROM t)} on one, the {@code column = column} conditions its joined rows all meet. Only top-level
 * conjuncts count (an equality under OR or NOT constrains nothing), from its WHERE and from the ON
 * of joins that are inner (an outer join's ON keeps unmatched rows).
 */
final class JoinScopes {
    private JoinScopes() {
    }

    /**
     * @param scopeOf   every table node of the statement and the SELECT whose FROM list holds it
     * @param sharded   whether a node is a sharded table (not a CTE's name)
     * @param receiving the configured names of the tables that may be narrowed to other tables' keys
     *                  (their uses are counted), each occurrence that is an inner member of its scope
     * @param byTable   every node of each table, in order: an occurrence's number is its place there
     * @param locals    the nodes of reference and unsharded tables that are local key sources, by their
     *                  index in the plan's locals ({@link JoinScope#LOCAL})
     */
    static List<JoinScope> of(Map<Table, PlainSelect> scopeOf, Predicate<Table> sharded, Set<String> receiving,
                              Map<String, List<Table>> byTable, Map<Table, Integer> locals, List<PullPlan.Local> planned) {
        Map<PlainSelect, Map<String, JoinScope.Member>> members = new LinkedHashMap<>();
        Map<Table, JoinScope.Member> memberOf = new IdentityHashMap<>();
        scopeOf.forEach((table, scope) -> {
            Integer local = locals.get(table);
            if (local != null) {
                // Read on the coordinator, never pulled: it may take another local's values when it is an inner member.
                String as = identifier(table.getAlias() != null ? table.getAlias().getName() : table.getName());
                JoinScope.Member member = new JoinScope.Member(JoinScope.LOCAL + local, PullPlanner.isInnerMember(table, scope));
                memberOf.put(table, member);
                members.computeIfAbsent(scope, k -> new LinkedHashMap<>()).put(as, member);
                return;
            }
            if (!sharded.test(table)) {
                return;
            }
            String name = identifier(table.getName());
            String as = table.getAlias() != null ? identifier(table.getAlias().getName()) : name;
            List<Table> nodes = byTable.getOrDefault(name, List.of(table));
            int occurrence = indexOf(nodes, table);
            JoinScope.Member member = new JoinScope.Member(name,
                    occurrence >= 0 && receiving.contains(name) && PullPlanner.isInnerMember(table, scope),
                    Math.max(occurrence, 0), nodes.size());
            memberOf.put(table, member);
            members.computeIfAbsent(scope, k -> new LinkedHashMap<>()).put(as, member);
        });
        Map<PlainSelect, PlainSelect> parentOf = new IdentityHashMap<>();
        for (PlainSelect scope : members.keySet()) {
            for (PlainSelect child : Subqueries.inWhere(scope)) {
                parentOf.putIfAbsent(child, scope);
            }
        }
        List<JoinScope> scopes = new ArrayList<>();
        int[] nested = {0};
        members.forEach((scope, inScope) -> {
            Map<String, JoinScope.Member> local = new LinkedHashMap<>(inScope);
            List<JoinScope.Equality> equalities = new ArrayList<>();
            equalities(scope.getWhere(), equalities, in -> nestedMember(in, scopeOf, memberOf, local, nested, planned, scopes));
            if (scope.getJoins() != null) {
                for (Join join : scope.getJoins()) {
                    if (isInner(join) && join.getOnExpressions() != null) {
                        join.getOnExpressions().forEach(on -> equalities(on, equalities, in -> null));
                    }
                }
            }
            PlainSelect parent = parentOf.get(scope);
            Map<String, JoinScope.Member> outer = parent == null ? Map.of() : withoutReceiving(members.get(parent));
            if (local.size() + outer.size() < 2 || equalities.isEmpty()) {
                return;
            }
            scopes.add(new JoinScope(local, equalities, outer, complete(scope, memberOf)));
        });
        return scopes;
    }

    private static int indexOf(List<Table> nodes, Table table) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) == table) {
                return i;
            }
        }
        return -1;
    }

    /**
     * An enclosing scope's members as sources only: a subquery's equality never narrows the rows of the
     * query around it. Its local tables are none: the subquery may be evaluated with any of their rows
     * (PostgreSQL may test it before their own conditions), all of which are there on the coordinator,
     * while a pulled table holds only the rows its conditions keep.
     */
    private static Map<String, JoinScope.Member> withoutReceiving(Map<String, JoinScope.Member> members) {
        Map<String, JoinScope.Member> out = new LinkedHashMap<>();
        members.forEach((name, m) -> {
            if (JoinScope.localIndex(m.table()) < 0) {
                out.put(name, new JoinScope.Member(m.table(), false, m.occurrence(), m.occurrences()));
            }
        });
        return out;
    }

    /** Whether every FROM item of {@code scope} is a sharded table's node (a member). */
    private static boolean complete(PlainSelect scope, Map<Table, JoinScope.Member> memberOf) {
        if (!(scope.getFromItem() instanceof Table first) || !memberOf.containsKey(first)) {
            return false;
        }
        if (scope.getJoins() != null) {
            for (Join join : scope.getJoins()) {
                if (!(join.getFromItem() instanceof Table table) || !memberOf.containsKey(table)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * For a top-level {@code x IN (SELECT y FROM t ...)}: {@code t} as a nested member of the scope
     * (added to {@code local}), and the column {@code y} qualified by its name there; null unless the
     * subquery is one plain SELECT (no WITH, no set operation) of one column from one sharded table.
     * The IN's values are {@code y} values of {@code t}'s rows there: of its pulled rows.
     */
    private static JoinScope.Column nestedMember(InExpression in, Map<Table, PlainSelect> scopeOf,
                                                 Map<Table, JoinScope.Member> memberOf, Map<String, JoinScope.Member> local,
                                                 int[] counter, List<PullPlan.Local> planned, List<JoinScope> scopes) {
        if (in.isNot() || !(in.getRightExpression() instanceof ParenthesedSelect sub)
                || !(sub.getSelect() instanceof PlainSelect select) || select.getWithItemsList() != null
                || select.getJoins() != null || !(select.getFromItem() instanceof Table table)
                || !memberOf.containsKey(table) || scopeOf.get(table) != select
                || select.getSelectItems() == null || select.getSelectItems().size() != 1
                || !(select.getSelectItems().getFirst().getExpression() instanceof Column column)
                || column.getArrayConstructor() != null) {
            return null;
        }
        String as = identifier(table.getAlias() != null ? table.getAlias().getName() : table.getName());
        Table qualifier = column.getTable();
        if (qualifier != null && qualifier.getName() != null
                && (qualifier.getSchemaName() != null || !identifier(qualifier.getName()).equals(as))) {
            return null;
        }
        String name = JoinScope.NESTED + (++counter[0]);
        JoinScope.Member member = memberOf.get(table);
        String y = identifier(column.getColumnName());
        if (groupedOn(select, y, as) && JoinScope.localIndex(member.table()) < 0) {
            // Each shard answers it from its own rows when y is the shard key (checked on the coordinator):
            // a local source of its own, which the subquery's occurrence takes too (its groups of the
            // listed keys are whole, the others failed the HAVING: the IN's values are the same).
            int index = planned.size();
            planned.add(new PullPlan.Local(member.table(), new PullPlan.TablePull(as, false,
                    List.of(new PullPlan.Filter(select.toString(), Set.of(), Set.of(), Set.of()))), y));
            local.put(name, new JoinScope.Member(JoinScope.LOCAL + index, false));
            String grouped = JoinScope.NESTED + "g" + index;
            scopes.add(new JoinScope(Map.of(as, member, grouped, new JoinScope.Member(JoinScope.LOCAL + index, false)),
                    List.of(new JoinScope.Equality(new JoinScope.Column(as, y), new JoinScope.Column(grouped, y)))));
            return new JoinScope.Column(name, y);
        }
        local.put(name, new JoinScope.Member(member.table(), false, member.occurrence(), member.occurrences()));
        return new JoinScope.Column(name, y);
    }

    /**
     * Whether an IN's subquery (one column {@code y} of one table, {@code as}) groups by {@code y}
     * plainly, with nothing that reads across groups or other tables: no LIMIT, OFFSET, FETCH,
     * DISTINCT, grouping sets, and no other SELECT inside. Then, {@code y} being the table's shard key,
     * each group lives whole on one shard, and the union of what each shard answers is the IN's values.
     */
    private static boolean groupedOn(PlainSelect select, String y, String as) {
        if (select.getGroupBy() == null || select.getGroupBy().getGroupByExpressionList() == null
                || select.getLimit() != null || select.getOffset() != null || select.getFetch() != null
                || select.getDistinct() != null || select.getTop() != null || select.getWindowDefinitions() != null) {
            return false;
        }
        String text = select.toString();
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        if (lower.split("\\bselect\\b", -1).length != 2 || lower.contains("grouping") || lower.contains("rollup")
                || lower.contains("cube") || lower.contains(" over ") || lower.contains("over(")) {
            return false;
        }
        for (Object e : select.getGroupBy().getGroupByExpressionList()) {
            if (e instanceof Column c && c.getArrayConstructor() == null && identifier(c.getColumnName()).equals(y)
                    && (c.getTable() == null || c.getTable().getName() == null
                    || c.getTable().getSchemaName() == null && identifier(c.getTable().getName()).equals(as))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isInner(Join join) {
        return !(join.isLeft() || join.isRight() || join.isFull() || join.isOuter() || join.isNatural() || join.isSemi()
                || join.isApply() || join.isCross());
    }

    private static void equalities(Expression condition, List<JoinScope.Equality> out,
                                   Function<InExpression, JoinScope.Column> nested) {
        if (condition == null) {
            return;
        }
        for (Conjuncts.Conjunct conjunct : Conjuncts.of(condition)) {
            JoinScope.Equality equality = equality(conjunct.expression());
            JoinScope.Column left;
            JoinScope.Column right;
            if (equality != null) {
                out.add(equality);
            } else if (conjunct.expression() instanceof InExpression in && (left = column(in.getLeftExpression())) != null
                    && (right = nested.apply(in)) != null) {
                out.add(new JoinScope.Equality(left, right));
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
