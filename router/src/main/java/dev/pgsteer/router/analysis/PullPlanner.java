package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.JoinScope;
import dev.pgsteer.router.plan.PullPlan;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Plans how narrow the coordinator step's pull of each sharded table of a SELECT can be (see
 * {@link PullPlan}). Narrowing is only ever an optimisation: whenever the tree or the tokens leave a
 * doubt, the table is pulled whole (every column, every row), which is always exact because the
 * statement runs unchanged on the pulled rows.
 *
 * <p>Two readings are cross-checked, so that a part of the tree this class does not walk cannot make
 * it narrow wrongly: the table's occurrences in JSQLParser's tree (name and alias tokens that
 * define it), and the tokens of the text that name it without a following dot (uses of the row as
 * a whole, such as {@code SELECT o FROM orders o}). Unless the two counts agree, every column is
 * pulled and no row filter is pushed.
 */
public final class PullPlanner {
    /** Functions whose result depends on their arguments alone: safe to evaluate on a shard. */
    private static final Set<String> PURE_FUNCTIONS = Set.of("substring", "substr", "lower", "upper", "length",
            "char_length", "abs", "coalesce", "nullif", "trim", "btrim", "ltrim", "rtrim", "left", "right");
    /** Words after which {@code *} means every column, not a product. */
    private static final Set<String> STAR_AFTER = Set.of("select", "distinct", "all");

    private PullPlanner() {
    }

    /**
     * @param tree      the parsed SELECT
     * @param text      the text that was parsed (the shape, or the statement's own text)
     * @param fromShape whether {@code text} is the shape
     * @return the plan, or null (every table pulled whole) when the tree cannot be walked
     */
    static PullPlan plan(Statement tree, String text, boolean fromShape, ShardMap shardMap) {
        Tokens tokens = Tokens.of(text);
        Occurrences occurrences = new Occurrences();
        try {
            occurrences.getTables(tree);
        } catch (RuntimeException e) {
            // JSQLParser's walk fails on some trees it parsed (a window frame without BETWEEN, such as
            // ROWS UNBOUNDED PRECEDING, throws a NullPointerException): no plan, every table pulled whole.
            return null;
        }
        Map<String, PullPlan.TablePull> tables = new LinkedHashMap<>();
        Set<String> receiving = new HashSet<>();
        occurrences.byTable.forEach((name, nodes) -> {
            if (!(shardMap.tableOf(nodes.getFirst()).orElse(null) instanceof TableConfig.Sharded)) {
                return;
            }
            Set<String> names = new HashSet<>();
            names.add(name);
            int defining = 0;
            for (Table node : nodes) {
                defining++;
                if (node.getAlias() != null) {
                    names.add(identifier(node.getAlias().getName()));
                    defining++;
                }
            }
            boolean counted = tokens.identifiers != null && tokens.wholeNameUses(names) == defining
                    && !occurrences.cteNames.contains(name) && nodes.stream().allMatch(n -> n.getSchemaName() == null);
            boolean allColumns = !counted || tokens.allColumns;
            Table only = nodes.getFirst();
            String alias = only.getAlias() != null ? only.getAlias().getName() : only.getName();
            List<PullPlan.Filter> filters = !counted ? List.of() : nodes.size() == 1
                    ? filters(only, occurrences.scopeOf.get(only), identifier(alias), tokens.parameterUses)
                    : union(nodes, occurrences.scopeOf, tokens.parameterUses);
            if (counted) {
                // Each occurrence may be narrowed by key lists (then the table is pulled for their union).
                receiving.add(name);
            }
            tables.put(name, new PullPlan.TablePull(alias, allColumns, filters));
        });
        Map<Table, Integer> localIndex = new IdentityHashMap<>();
        List<PullPlan.Local> locals = locals(occurrences, shardMap, tokens.parameterUses, localIndex);
        List<JoinScope> joins = JoinScopes.of(occurrences.scopeOf,
                node -> shardMap.tableOf(node).orElse(null) instanceof TableConfig.Sharded
                        && !(node.getSchemaName() == null && occurrences.cteNames.contains(identifier(node.getName()))),
                receiving, occurrences.byTable, localIndex, locals);
        return new PullPlan(tokens.identifiers, fromShape, tables, joins, locals);
    }

    /**
     * Each occurrence of a reference or unsharded table (not a CTE's name, not named with a schema,
     * which the coordinator inside a transaction block reads under another name), with its own
     * conditions in its scope: a local key source ({@link JoinScope#LOCAL}). Its conditions are the
     * conjuncts of its scope's WHERE that read only its row, as for a pulled table; it is never pulled,
     * so its other uses in the statement do not matter (its rows in this scope all meet them).
     */
    private static List<PullPlan.Local> locals(Occurrences occurrences, ShardMap shardMap, Map<Integer, Integer> parameterUses,
                                               Map<Table, Integer> localIndex) {
        List<PullPlan.Local> locals = new ArrayList<>();
        occurrences.byTable.forEach((name, nodes) -> {
            if (occurrences.cteNames.contains(name)) {
                return;
            }
            for (Table node : nodes) {
                if (node.getSchemaName() != null || shardMap.tableOf(node).orElse(null) instanceof TableConfig.Sharded
                        || occurrences.scopeOf.get(node) == null) {
                    continue;
                }
                String alias = node.getAlias() != null ? node.getAlias().getName() : node.getName();
                List<PullPlan.Filter> filters = filters(node, occurrences.scopeOf.get(node), identifier(alias), parameterUses);
                localIndex.put(node, locals.size());
                locals.add(new PullPlan.Local(name, new PullPlan.TablePull(alias, false, filters)));
            }
        });
        return locals;
    }

    /**
     * The conjuncts of the WHERE of the scope where {@code table} is a member, that read only the
     * table's row: pushable when the table is an inner member of that scope (a row of it failing the
     * WHERE fails every joined row it is part of; on the nullable side of an outer join it would not).
     */
    private static List<PullPlan.Filter> filters(Table table, PlainSelect scope, String alias,
                                                 Map<Integer, Integer> parameterUses) {
        if (scope == null || scope.getWhere() == null || !isInnerMember(table, scope)) {
            return List.of();
        }
        List<PullPlan.Filter> filters = new ArrayList<>();
        for (Conjuncts.Conjunct conjunct : Conjuncts.of(scope.getWhere())) {
            PushableCondition.Reading reading = PushableCondition.read(conjunct.expression(), alias, PURE_FUNCTIONS);
            List<List<PullPlan.Filter>> anyOf = anyOf(conjunct.expression(), alias, parameterUses);
            if (reading == null && anyOf.isEmpty()) {
                continue;
            }
            filters.add(reading == null
                    ? new PullPlan.Filter(null, Set.of(), Set.of(), Set.of(), anyOf)
                    : filter(conjunct.text(), reading, parameterUses, anyOf));
        }
        return filters;
    }

    /**
     * For a table named more than once, each under the same name (so one pulled SELECT can hold every
     * occurrence's conditions): the OR over its occurrences of each one's own conditions, as one
     * filter of OR-ed groups. Each occurrence's rows failing its own conditions are in none of its
     * joined rows, so a row failing every occurrence's is used nowhere (TPC-H Q22: customer twice,
     * each for seven country codes). None unless every occurrence has some.
     */
    private static List<PullPlan.Filter> union(List<Table> nodes, Map<Table, PlainSelect> scopeOf,
                                               Map<Integer, Integer> parameterUses) {
        String name = null;
        List<List<PullPlan.Filter>> groups = new ArrayList<>();
        for (Table node : nodes) {
            String as = identifier(node.getAlias() != null ? node.getAlias().getName() : node.getName());
            if (name != null && !name.equals(as)) {
                return List.of();
            }
            name = as;
            List<PullPlan.Filter> own = filters(node, scopeOf.get(node), as, parameterUses);
            if (own.isEmpty()) {
                return List.of();
            }
            groups.add(own);
        }
        return List.of(new PullPlan.Filter(null, Set.of(), Set.of(), Set.of(), groups));
    }

    private static PullPlan.Filter filter(String text, PushableCondition.Reading reading, Map<Integer, Integer> parameterUses,
                                          List<List<PullPlan.Filter>> anyOf) {
        Set<Integer> onlyHere = new HashSet<>();
        reading.parameterUses().forEach((number, uses) -> {
            if (uses.equals(parameterUses.get(number))) {
                onlyHere.add(number);
            }
        });
        return new PullPlan.Filter(text, reading.bareColumns(), reading.parameters(), onlyHere, anyOf);
    }

    /**
     * For an OR of conditions, each an AND of conditions: each disjunct's pushable conditions, over
     * any table (which of them are this table's is decided once its columns are known: a bare name
     * it has is its own in this scope). Empty unless every disjunct has at least one.
     */
    private static List<List<PullPlan.Filter>> anyOf(Expression condition, String alias, Map<Integer, Integer> parameterUses) {
        List<Expression> disjuncts = new ArrayList<>();
        flattenOr(condition, disjuncts);
        if (disjuncts.size() < 2) {
            return List.of();
        }
        List<List<PullPlan.Filter>> groups = new ArrayList<>();
        for (Expression disjunct : disjuncts) {
            List<PullPlan.Filter> own = new ArrayList<>();
            for (Conjuncts.Conjunct part : Conjuncts.of(disjunct)) {
                PushableCondition.Reading reading = PushableCondition.read(part.expression(), alias, PURE_FUNCTIONS);
                if (reading != null) {
                    own.add(filter(part.text(), reading, parameterUses, List.of()));
                }
            }
            if (own.isEmpty()) {
                return List.of();
            }
            groups.add(own);
        }
        return groups;
    }

    static void flattenOr(Expression e, List<Expression> out) {
        if (e instanceof OrExpression or) {
            flattenOr(or.getLeftExpression(), out);
            flattenOr(or.getRightExpression(), out);
        } else if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1
                && list.get(0) instanceof OrExpression inner) {
            flattenOr(inner, out);
        } else {
            out.add(e);
        }
    }

    static boolean isInnerMember(Table table, PlainSelect scope) {
        List<Join> joins = scope.getJoins() == null ? List.of() : scope.getJoins();
        boolean found = scope.getFromItem() == table;
        for (Join join : joins) {
            // A RIGHT or FULL join makes every member before it nullable; NATURAL is refused by the tokens anyway.
            if (join.isRight() || join.isFull() || join.isNatural()) {
                return false;
            }
            if (join.getFromItem() == table) {
                if (join.isLeft() || join.isOuter() || join.isSemi() || join.isApply()) {
                    return false;
                }
                found = true;
            }
        }
        return found;
    }

    /**
     * The statement's tokens as the narrowing needs them: its names, and for each whether it is a
     * qualifier (a dot follows) or a select item's output name ({@code count(*) AS orders}: a label,
     * never a use of a table's row); how often each {@code $n} occurs.
     */
    private record Tokens(Set<String> identifiers, boolean allColumns, List<String> names, List<Boolean> dotted,
                          Map<Integer, Integer> parameterUses) {

        static Tokens of(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
            Set<String> identifiers = new HashSet<>();
            List<String> names = new ArrayList<>();
            List<Boolean> dotted = new ArrayList<>();
            Map<Integer, Integer> parameterUses = new HashMap<>();
            boolean allColumns = false;
            boolean unreadable = false;
            String previous = null;
            String before = null;
            String beforeThat = null;
            SqlTokenizer.Kind previousKind = null;
            SelectLists lists = new SelectLists();
            for (SqlTokenizer.Kind kind = t.next(); kind != SqlTokenizer.Kind.END; kind = t.next()) {
                lists.read(t);
                if (kind == SqlTokenizer.Kind.PARAMETER) {
                    String digits = t.value().substring(1);
                    // A number too long for an int is no parameter a filter holds: left uncounted.
                    if (digits.length() <= 9) {
                        parameterUses.merge(Integer.parseInt(digits), 1, Integer::sum);
                    }
                } else if (t.isName()) {
                    if (t.isUnicodeEscaped()) {
                        unreadable = true;
                    }
                    String name = t.name();
                    identifiers.add(name);
                    if (kind == SqlTokenizer.Kind.WORD && name.equals("natural")) {
                        allColumns = true;
                    }
                    names.add(name);
                    SqlTokenizer ahead = t.lookahead();
                    SqlTokenizer.Kind next = ahead.next();
                    boolean label = "as".equals(previous) && previousKind == SqlTokenizer.Kind.WORD && lists.inSelectList()
                            && (next == SqlTokenizer.Kind.END || ahead.isPunct(',') || ahead.isWord("from"));
                    // A label is counted as a qualifier is: not a use of the row.
                    dotted.add(label || next == SqlTokenizer.Kind.PUNCT && ahead.isPunct('.'));
                } else if (t.isPunct('*')) {
                    // A product has an operand before it; every column follows SELECT, a comma, a dot, or
                    // an opening parenthesis that the star does not close at once (count(*) reads no column).
                    boolean star = previousKind == null || ".".equals(previous) || ",".equals(previous)
                            || (previousKind == SqlTokenizer.Kind.WORD && STAR_AFTER.contains(previous));
                    if ("select".equals(previous) && "(".equals(before) && "exists".equals(beforeThat)
                            && onlyWhetherRows(t.lookahead())) {
                        star = false;
                    }
                    if ("(".equals(previous)) {
                        SqlTokenizer ahead = t.lookahead();
                        star = !(ahead.next() == SqlTokenizer.Kind.PUNCT && ahead.isPunct(')'));
                    }
                    allColumns |= star;
                }
                previousKind = kind;
                beforeThat = before;
                before = previous;
                previous = kind == SqlTokenizer.Kind.WORD ? t.name() : kind == SqlTokenizer.Kind.PUNCT ? t.value() : null;
            }
            return new Tokens(unreadable ? null : identifiers, allColumns, names, dotted, parameterUses);
        }

        /**
         * After {@code EXISTS (SELECT *}: whether the star reads no column, only whether a row is there.
         * So when the subquery is a plain {@code FROM ... [WHERE ...]} up to its closing parenthesis; with
         * GROUP BY, HAVING, a set operation or a window, the star's columns can matter (an ungrouped
         * column is an error PostgreSQL raises; a UNION compares column counts): then it counts.
         */
        private static boolean onlyWhetherRows(SqlTokenizer ahead) {
            if (ahead.next() != SqlTokenizer.Kind.WORD || !ahead.isWord("from")) {
                return false;
            }
            int depth = 0;
            for (SqlTokenizer.Kind kind = ahead.next(); kind != SqlTokenizer.Kind.END; kind = ahead.next()) {
                if (ahead.isPunct('(')) {
                    depth++;
                } else if (ahead.isPunct(')')) {
                    if (depth == 0) {
                        return true;
                    }
                    depth--;
                } else if (depth == 0 && kind == SqlTokenizer.Kind.WORD && (ahead.isWord("group") || ahead.isWord("having")
                        || ahead.isWord("union") || ahead.isWord("intersect") || ahead.isWord("except")
                        || ahead.isWord("window") || ahead.isWord("order") || ahead.isWord("limit") || ahead.isWord("offset")
                        || ahead.isWord("fetch") || ahead.isWord("for"))) {
                    return false;
                }
            }
            return false;
        }

        /** How many tokens are one of {@code names} and not followed by a dot (not a qualifier). */
        int wholeNameUses(Set<String> candidates) {
            int uses = 0;
            for (int i = 0; i < names.size(); i++) {
                if (!dotted.get(i) && candidates.contains(names.get(i))) {
                    uses++;
                }
            }
            return uses;
        }
    }

    /**
     * Whether the token just read is in a select list: after SELECT (or DISTINCT/ALL after it) and
     * before FROM, at the same depth of parentheses (so {@code CAST(x AS t)}, a call's arguments
     * and a subquery's own list are told apart). Lexical, and only ever used to discount a name
     * after AS, which there is an output column's label.
     */
    private static final class SelectLists {
        /** Per depth of parentheses, whether a SELECT there has not reached its FROM yet. */
        private final List<Boolean> open = new ArrayList<>(List.of(false));
        private boolean current;

        void read(SqlTokenizer t) {
            if (t.isPunct('(')) {
                open.add(false);
            } else if (t.isPunct(')') && open.size() > 1) {
                open.removeLast();
            } else if (t.isWord("select")) {
                open.set(open.size() - 1, true);
            } else if (t.isWord("from") || t.isWord("union") || t.isWord("intersect") || t.isWord("except")
                    || t.isWord("where") || t.isWord("window") || t.isWord("into")) {
                open.set(open.size() - 1, false);
            }
            current = open.getLast();
        }

        boolean inSelectList() {
            return current;
        }
    }

    /** Every table node of the tree, by folded name, and the SELECT whose FROM list holds each. */
    private static final class Occurrences extends TablesNamesFinder<Void> {
        final Map<String, List<Table>> byTable = new LinkedHashMap<>();
        final Map<Table, PlainSelect> scopeOf = new IdentityHashMap<>();
        final Set<String> cteNames = new HashSet<>();
        private final Set<Table> seen = Collections.newSetFromMap(new IdentityHashMap<>());

        @Override
        public <S> Void visit(Table table, S context) {
            // A join's table may be visited more than once: each node counts once.
            if (table.getName() != null && seen.add(table)) {
                byTable.computeIfAbsent(identifier(table.getName()), k -> new ArrayList<>()).add(table);
            }
            return super.visit(table, context);
        }

        @Override
        public <S> Void visit(PlainSelect select, S context) {
            member(select.getFromItem(), select);
            if (select.getJoins() != null) {
                for (Join join : select.getJoins()) {
                    member(join.getFromItem(), select);
                }
            }
            return super.visit(select, context);
        }

        @Override
        public <S> Void visit(WithItem<?> with, S context) {
            if (with.getAlias() != null) {
                cteNames.add(identifier(with.getAlias().getName()));
            }
            return super.visit(with, context);
        }

        private void member(FromItem item, PlainSelect select) {
            if (item instanceof Table table) {
                scopeOf.put(table, select);
            }
        }
    }
}
