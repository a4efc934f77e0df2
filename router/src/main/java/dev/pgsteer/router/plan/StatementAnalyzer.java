package dev.pgsteer.router.plan;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.create.index.CreateIndex;
import net.sf.jsqlparser.statement.create.table.CreateTable;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.drop.Drop;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.truncate.Truncate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Reads a parsed statement against a database's shard map and decides its {@link Analysis}: which
 * tables it touches, what its WHERE clauses say about their shard keys, and which sharded tables are
 * joined on their keys (and so can be joined shard by shard). Pure: no values, no I/O.
 */
public final class StatementAnalyzer {
    static final String FEATURE_NOT_SUPPORTED = "0A000";
    static final String UNDEFINED_KEY = "42P10";

    private final DatabaseConfig database;

    public StatementAnalyzer(DatabaseConfig database) {
        this.database = database;
    }

    public Analysis analyze(Statement statement) {
        return switch (statement) {
            case Select select -> select(select);
            case Insert insert -> insert(insert);
            case Update update -> update(update);
            case Delete delete -> delete(delete);
            case CreateTable create -> ddl(List.of(create.getTable()));
            case Alter alter -> ddl(List.of(alter.getTable()));
            case Drop drop when "TABLE".equalsIgnoreCase(drop.getType()) -> ddl(List.of(drop.getName()));
            case Drop drop when "INDEX".equalsIgnoreCase(drop.getType()) -> new Analysis(StatementKind.DDL,
                    new Placement.AllShards("DROP INDEX: on every shard that has it", Answer.MIRROR, !drop.isIfExists()), null, null);
            case Drop drop -> everywhere("DDL");
            case CreateIndex index -> ddl(List.of(index.getTable()));
            case Truncate truncate -> ddl(truncate.getTables() != null ? truncate.getTables() : List.of(truncate.getTable()));
            default -> otherStatement(statement);
        };
    }

    // --- reads ---

    private Analysis select(Select select) {
        Scopes scopes = new Scopes();
        scopes.select(select, null);
        Placement placement = scopes.placement(false);
        if (!(placement instanceof Placement.ByKey)) {
            return new Analysis(StatementKind.READ, placement, null, null);
        }
        // What follows matters only when the keys resolve to several shards; it is planned once per shape.
        String refusal = SelectMergePlanner.subqueryRefusal(select, this::isShardedName);
        if (refusal != null) {
            return new Analysis(StatementKind.READ, placement, null, refusal);
        }
        if (!(select instanceof PlainSelect plain)) {
            return new Analysis(StatementKind.READ, placement, null, "a UNION, INTERSECT or EXCEPT over several shards");
        }
        SelectMergePlanner.Outcome outcome = SelectMergePlanner.plan(plain);
        return new Analysis(StatementKind.READ, placement, outcome.plan(), outcome.refusal());
    }

    private boolean isShardedName(String name) {
        String table = name.substring(name.lastIndexOf('.') + 1);
        return database.table(identifier(table)).orElse(null) instanceof TableConfig.Sharded;
    }

    // --- writes ---

    private Analysis insert(Insert insert) {
        Table target = insert.getTable();
        TableConfig table = tableOf(target).orElse(null);
        Scopes scopes = new Scopes();
        if (insert.getSelect() != null && !(insert.getSelect() instanceof Values)) {
            scopes.select(insert.getSelect(), null);
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
            return Analysis.refused(UNDEFINED_KEY, "INSERT into sharded table " + sharded.name()
                    + " must list its columns, including the shard key " + sharded.key());
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
            return Analysis.refused(FEATURE_NOT_SUPPORTED, "INSERT ... SELECT into sharded table " + sharded.name()
                    + " is not supported: pgsteer cannot place rows it does not see; insert VALUES, or use COPY");
        }
        List<ValueRef> keys = new ArrayList<>();
        ExpressionList<?> rows = values.getExpressions();
        // JSQLParser reads both VALUES (1, 4), (2, 5) and VALUES ((1), (4)) as a list of lists: a row
        // has as many values as the INSERT has columns, which a parenthesized single value has not.
        int width = insert.getColumns().size();
        boolean multiRow = !rows.isEmpty() && rows.stream().allMatch(row -> row instanceof ExpressionList<?> list && list.size() == width);
        if (multiRow) {
            for (Object row : rows) {
                ExpressionList<?> cells = (ExpressionList<?>) row;
                keys.add(cells.size() > keyIndex ? valueRef((Expression) cells.get(keyIndex)) : null);
            }
        } else {
            keys.add(rows.size() > keyIndex ? valueRef((Expression) rows.get(keyIndex)) : null);
        }
        if (keys.contains(null)) {
            return Analysis.refused(FEATURE_NOT_SUPPORTED, "INSERT into sharded table " + sharded.name()
                    + " computes its shard key " + sharded.key() + " from an expression; give it as a constant or a parameter");
        }
        return new Analysis(StatementKind.WRITE, new Placement.InsertRows(sharded, keys), null, null);
    }

    private Analysis update(Update update) {
        TableConfig table = tableOf(update.getTable()).orElse(null);
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
        Scopes scopes = new Scopes();
        Scope scope = scopes.open(null);
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
        return write(table, update.getTable(), scopes);
    }

    private Analysis delete(Delete delete) {
        TableConfig table = tableOf(delete.getTable()).orElse(null);
        Scopes scopes = new Scopes();
        Scope scope = scopes.open(null);
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
        return write(table, delete.getTable(), scopes);
    }

    private Analysis write(TableConfig table, Table target, Scopes scopes) {
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

    // --- DDL and the rest ---

    private Analysis ddl(List<Table> tables) {
        for (Table table : tables) {
            if (table != null && tableOf(table).isPresent()) {
                return new Analysis(StatementKind.DDL, new Placement.AllShards("DDL on " + tableOf(table).get().name(), Answer.MIRROR), null, null);
            }
        }
        String name = tables.isEmpty() || tables.get(0) == null ? "it" : name(tables.get(0));
        return new Analysis(StatementKind.DDL, new Placement.DefaultShard("DDL on unsharded table " + name), null, null);
    }

    /** Schemas, types, functions, extensions: every shard needs them for the sharded tables. */
    private static Analysis everywhere(String what) {
        return new Analysis(StatementKind.DDL, new Placement.AllShards(what + " is applied to every shard", Answer.MIRROR), null, null);
    }

    private Analysis otherStatement(Statement statement) {
        String simpleName = statement.getClass().getSimpleName();
        if (simpleName.startsWith("Create") || simpleName.startsWith("Alter") || simpleName.equals("Grant")
                || simpleName.equals("Comment")) {
            return everywhere(simpleName.startsWith("Create") ? "CREATE" : simpleName.toUpperCase(Locale.ROOT));
        }
        Set<String> names = tableNames(statement);
        for (String n : names) {
            if (database.table(identifier(n)).isPresent()) {
                return Analysis.refused(FEATURE_NOT_SUPPORTED, "pgsteer cannot route this kind of statement ("
                        + simpleName + ") on sharded table " + identifier(n));
            }
        }
        return new Analysis(StatementKind.READ, new Placement.DefaultShard("no sharded table"), null, null);
    }

    private static Set<String> tableNames(Statement statement) {
        try {
            return new TablesNamesFinder<Void>().getTables(statement);
        } catch (UnsupportedOperationException e) {
            return Set.of();
        }
    }

    // --- the shard map ---

    private Optional<TableConfig> tableOf(Table table) {
        if (table == null || table.getName() == null || isCatalog(table)) {
            return Optional.empty();
        }
        return database.table(identifier(table.getName()));
    }

    private static boolean isCatalog(Table table) {
        String schema = table.getSchemaName() == null ? null : identifier(table.getSchemaName());
        if (schema != null) {
            return schema.equals("pg_catalog") || schema.equals("information_schema");
        }
        return identifier(table.getName()).startsWith("pg_");
    }

    private static String name(Table table) {
        return table == null ? "?" : identifier(table.getName());
    }

    /** An identifier as PostgreSQL folds it: quoted ones keep their case, others are lower-cased. */
    static String identifier(String raw) {
        if (raw.length() >= 2 && raw.charAt(0) == '"' && raw.charAt(raw.length() - 1) == '"') {
            return raw.substring(1, raw.length() - 1).replace("\"\"", "\"");
        }
        return raw.toLowerCase(Locale.ROOT);
    }

    /**
     * The source of a value expression, or null if it is not a constant or a parameter. Casts and
     * parentheses around it are looked through: pgjdbc in simple-query mode sends a bound value as
     * {@code ('42'::int8)}.
     */
    static ValueRef valueRef(Expression expression) {
        Expression e = expression;
        while (true) {
            if (e instanceof net.sf.jsqlparser.expression.CastExpression cast) {
                e = cast.getLeftExpression();
            } else if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1 && list.get(0) instanceof Expression inner) {
                e = inner;
            } else {
                break;
            }
        }
        return switch (e) {
            case JdbcParameter p when p.getIndex() != null -> new ValueRef.Placeholder(p.getIndex());
            case NullValue ignored -> new ValueRef.Null();
            case net.sf.jsqlparser.expression.LongValue v -> new ValueRef.Constant(v.getStringValue());
            case net.sf.jsqlparser.expression.StringValue v -> new ValueRef.Constant(v.getValue().replace("''", "'"));
            case net.sf.jsqlparser.expression.SignedExpression s when s.getSign() == '-'
                    && s.getExpression() instanceof net.sf.jsqlparser.expression.LongValue v ->
                    new ValueRef.Constant("-" + v.getStringValue());
            default -> null;
        };
    }

    // --- scopes: the tables each SELECT level sees, and what its conditions say about their keys ---

    /** One level of a query: the tables of its FROM and JOINs, by alias. */
    private final class Scope {
        final Scopes owner;
        final Scope parent;
        final Map<String, TableConfig.Sharded> sharded = new LinkedHashMap<>();
        final Map<String, KeyCondition> conditions = new HashMap<>();
        final Set<String> unsharded = new LinkedHashSet<>();
        final Set<String> writeTargets = new LinkedHashSet<>();

        Scope(Scopes owner, Scope parent) {
            this.owner = owner;
            this.parent = parent;
        }

        void add(Table table, boolean writeTarget) {
            if (table == null || table.getName() == null) {
                return;
            }
            String alias = table.getAlias() != null ? identifier(table.getAlias().getName()) : identifier(table.getName());
            Optional<TableConfig> config = tableOf(table);
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
            for (Map.Entry<String, TableConfig.Sharded> entry : sharded.entrySet()) {
                String alias = entry.getKey();
                conditions.merge(alias, condition(where, alias, entry.getValue()), KeyCondition::and);
            }
            keyJoins(where);
        }

        /** {@code a.key = b.key} in the conjunctive part of a condition joins a and b shard by shard. */
        void keyJoins(Expression e) {
            if (e instanceof AndExpression and) {
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
            for (Scope s = this; s != null; s = s.parent) {
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

        private boolean isKeyOf(Expression e, String alias, TableConfig.Sharded table) {
            if (!(e instanceof Column column)) {
                return false;
            }
            Scoped scoped = keyColumn(column);
            return scoped != null && scoped.scope == this && scoped.alias.equals(alias);
        }

        KeyCondition condition(Expression e, String alias, TableConfig.Sharded table) {
            if (e instanceof AndExpression and) {
                return KeyCondition.and(condition(and.getLeftExpression(), alias, table),
                        condition(and.getRightExpression(), alias, table));
            }
            if (e instanceof OrExpression or) {
                return KeyCondition.or(condition(or.getLeftExpression(), alias, table),
                        condition(or.getRightExpression(), alias, table));
            }
            if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
                return condition((Expression) list.get(0), alias, table);
            }
            if (e instanceof EqualsTo eq) {
                Expression other = isKeyOf(eq.getLeftExpression(), alias, table) ? eq.getRightExpression()
                        : isKeyOf(eq.getRightExpression(), alias, table) ? eq.getLeftExpression() : null;
                if (other == null) {
                    return KeyCondition.ANY;
                }
                if (other instanceof net.sf.jsqlparser.expression.Function f && f.getName() != null
                        && f.getName().equalsIgnoreCase("any") && f.getParameters() != null && f.getParameters().size() == 1) {
                    Expression arg = (Expression) f.getParameters().get(0);
                    if (arg instanceof net.sf.jsqlparser.expression.ArrayConstructor array) {
                        return values(array.getExpressions());
                    }
                    ValueRef ref = valueRef(arg);
                    return ref == null ? KeyCondition.ANY : new KeyCondition.ArrayOf(ref);
                }
                ValueRef ref = valueRef(other);
                return ref == null ? KeyCondition.ANY : new KeyCondition.Values(List.of(ref));
            }
            if (e instanceof InExpression in && !in.isNot() && isKeyOf(in.getLeftExpression(), alias, table)
                    && in.getRightExpression() instanceof ExpressionList<?> list) {
                return values(list);
            }
            return KeyCondition.ANY;
        }

        private KeyCondition values(List<?> expressions) {
            if (expressions == null) {
                return KeyCondition.ANY;
            }
            List<ValueRef> refs = new ArrayList<>();
            for (Object item : expressions) {
                ValueRef ref = item instanceof Expression x ? valueRef(x) : null;
                if (ref == null) {
                    return KeyCondition.ANY;
                }
                refs.add(ref);
            }
            return new KeyCondition.Values(refs);
        }
    }

    private record Scoped(Scope scope, String alias) {
    }

    /** All scopes of one statement, and which sharded aliases are joined on their keys (a union-find). */
    private final class Scopes {
        final List<Scope> all = new ArrayList<>();
        final Map<Scoped, Scoped> parent = new HashMap<>();
        final Map<Scoped, TableConfig.Sharded> tables = new LinkedHashMap<>();
        final Set<String> cteNames = new HashSet<>();
        final Set<String> references = new LinkedHashSet<>();

        Scope open(Scope enclosing) {
            Scope scope = new Scope(this, enclosing);
            all.add(scope);
            return scope;
        }

        boolean isCte(String name) {
            return cteNames.contains(name);
        }

        void register(Scope scope, String alias, TableConfig.Sharded table) {
            Scoped key = new Scoped(scope, alias);
            parent.put(key, key);
            tables.put(key, table);
        }

        Scoped find(Scoped s) {
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

        void select(Select select, Scope enclosing) {
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
                case net.sf.jsqlparser.statement.select.SetOperationList set -> set.getSelects().forEach(s -> select(s, enclosing));
                case net.sf.jsqlparser.statement.select.ParenthesedSelect parenthesed -> select(parenthesed.getSelect(), enclosing);
                default -> {
                }
            }
        }

        private void plain(PlainSelect plain, Scope enclosing) {
            Scope scope = open(enclosing);
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

        void fromItem(net.sf.jsqlparser.statement.select.FromItem item, Scope scope) {
            switch (item) {
                case Table table -> scope.add(table, false);
                case net.sf.jsqlparser.statement.select.ParenthesedSelect sub -> select(sub.getSelect(), scope);
                case net.sf.jsqlparser.statement.select.ParenthesedFromItem p -> {
                    fromItem(p.getFromItem(), scope);
                    if (p.getJoins() != null) {
                        p.getJoins().forEach(j -> join(j, scope));
                    }
                }
                default -> {
                }
            }
        }

        void join(Join join, Scope scope) {
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
        void expressionSubqueries(Expression expression, Scope scope) {
            if (expression == null) {
                return;
            }
            expression.accept(new net.sf.jsqlparser.expression.ExpressionVisitorAdapter<Void>() {
                // JSQLParser hands a subquery of an expression (IN (SELECT ...), EXISTS, a scalar
                // subquery) to visit(Select), not to visit(ParenthesedSelect).
                @Override
                public <S> Void visit(Select sub, S context) {
                    select(sub, scope);
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
                    .add(new Placement.Member(table, scoped.scope.conditions.getOrDefault(scoped.alias, KeyCondition.ANY))));
            List<Placement.KeyGroup> keyGroups = groups.values().stream().map(Placement.KeyGroup::new).toList();
            return new Placement.ByKey(keyGroups, unsharded.isEmpty() ? null : unsharded.iterator().next(), write);
        }
    }

}
