package dev.pgsteer.router.merge;

import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.Collations.Order;
import dev.pgsteer.router.syntax.Identifiers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.CollateExpression;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Whether the merge would compare values in an order only PostgreSQL knows. The merge orders text
 * byte by byte, which is PostgreSQL's order in a collation that sorts by code point ("C") only; a
 * database created with ICU or a libc locale such as en_US.UTF-8 sorts 'a' before 'B'. So every value
 * the merge orders (ORDER BY keys, min and max) must be proven {@link Order#BYTES} from the
 * {@link Collations} the catalog gave, and every value it groups by bytes (GROUP BY, DISTINCT) must
 * not be in a nondeterministic collation; what is not proven is refused here, and a refused read is
 * answered by the coordinator step, where PostgreSQL sorts. Never a guess:
 *
 * <ul>
 *   <li>{@code x COLLATE "C"} (or "POSIX", ucs_basic, pg_c_utf8) sorts by bytes, whatever x is; any
 *       other COLLATE is taken as the worst (it may be nondeterministic);</li>
 *   <li>a column of a table the catalog told has its column's order; count, sum, avg and numbers are
 *       numbers; a cast to a type without collation has none; min and max have their argument's;</li>
 *   <li>a cast to a type pgsteer does not know (a domain, which may have a collation of its own,
 *       citext, an enum) is not proven;</li>
 *   <li>anything else derives its collation from its inputs: the database's default, unless a column
 *       in it has a collation of its own.</li>
 *   <li>A column the catalog did not have when pgsteer read it (a table or column created on the
 *       shards directly since, perhaps with a collation created then too), or one of a derived table
 *       or CTE, is not proven, and is not grouped by its bytes either ({@link Collations#complete}).
 *       With a map written by hand (tests of routing alone), such a column has the default collation.</li>
 * </ul>
 *
 * A position ({@code ORDER BY 2}) is a value of the plan, not of the shape, so every item of the
 * select list must be proven.
 */
final class CollationCheck {
    /** The collations that sort by code point, which for UTF-8 is byte order. */
    private static final Set<String> BYTEWISE = Set.of("C", "POSIX", "ucs_basic", "pg_c_utf8");
    /** Types (as a cast names them) whose values keep their input's collation. */
    private static final Set<String> TEXT = Set.of("text", "varchar", "character varying", "char", "character", "bpchar",
            "name");
    /** Types (as a cast names them) that have no collation and whose values the merge orders. */
    private static final Set<String> UNCOLLATED = Set.of("int", "int2", "int4", "int8", "integer", "smallint", "bigint",
            "numeric", "decimal", "real", "float", "float4", "float8", "double precision", "date", "timestamp",
            "timestamptz", "timestamp with time zone", "timestamp without time zone", "bool", "boolean", "uuid");

    private final Collations collations;
    /** Table aliases and names of the FROM clause to the table the catalog may know; null for a derived table. */
    private final Map<String, String> tables = new HashMap<>();
    private final List<SelectItem<?>> items;
    /** Whether a value was not proven because the catalog read did not have its table or column (made since). */
    private boolean gap;

    private CollationCheck(PlainSelect plain, Collations collations) {
        this.collations = collations;
        this.items = plain.getSelectItems();
        add(plain.getFromItem());
        if (plain.getJoins() != null) {
            for (Join join : plain.getJoins()) {
                add(join.getFromItem());
            }
        }
    }

    /**
     * Refuses the merge of {@code plain} if it would order or group a value in a way only PostgreSQL
     * reproduces. {@code grouped}: rows are grouped or made DISTINCT by their bytes.
     */
    static void check(PlainSelect plain, boolean grouped, Collations collations) throws Refusal {
        new CollationCheck(plain, collations).check(plain, grouped);
    }

    private void check(PlainSelect plain, boolean grouped) throws Refusal {
        if (plain.getOrderByElements() != null) {
            for (OrderByElement o : plain.getOrderByElements()) {
                Expression e = o.getExpression();
                if (e instanceof JdbcParameter || e instanceof LongValue) {
                    for (SelectItem<?> item : items) {
                        ordered(item.getExpression(), "ORDER BY a position of the select list, whose item " + item);
                    }
                } else {
                    ordered(outputOrInput(e), "ORDER BY " + e);
                }
            }
        }
        for (SelectItem<?> item : items) {
            Expression e = item.getExpression();
            if (e instanceof Function f && isMinOrMax(f)) {
                ordered(e, e.toString());
            } else if (grouped && !groupable(e)) {
                throw refusal((plain.getGroupBy() != null ? "GROUP BY" : "DISTINCT") + " on " + e
                        + ", in a nondeterministic collation or one pgsteer does not know (equal values may differ in"
                        + " their bytes)");
            }
        }
        GroupByElement groupBy = plain.getGroupBy();
        if (groupBy != null && groupBy.getGroupByExpressionList() != null) {
            for (Object e : groupBy.getGroupByExpressionList()) {
                if (e instanceof Expression x && !groupable(x)) {
                    throw refusal("GROUP BY " + x + ", in a nondeterministic collation or one pgsteer does not know"
                            + " (equal values may differ in their bytes)");
                }
            }
        }
    }

    /**
     * Whether equal values of {@code e} are equal bytes, as the merge groups them: not in a
     * nondeterministic collation, nor in one not known where the catalog was read (a column made
     * since) or not read at all. {@code *} is proven when each of its tables is.
     */
    private boolean groupable(Expression e) {
        if (e instanceof AllColumns) {
            for (String table : tables.values()) {
                boolean known = table != null && collations.knows(table);
                gap |= collations.complete() && table != null && !known;
                if ((collations.complete() && !known)
                        || (known && collations.columns().get(table).containsValue(Order.NONDETERMINISTIC))) {
                    return false;
                }
            }
            return true;
        }
        Order order = order(e);
        if (order == null) {
            return !collations.complete() && collations.databaseDefault() != null;
        }
        return order != Order.NONDETERMINISTIC;
    }

    private void ordered(Expression e, String what) throws Refusal {
        Order order = order(e);
        if (order != Order.BYTES) {
            throw refusal(what + why(order));
        }
    }

    private Refusal refusal(String reason) {
        return new Refusal(reason, gap);
    }

    private static String why(Order order) {
        if (order == null) {
            return ", whose collation pgsteer does not know (the database's default collation is "
                    + "not \"C\", or pgsteer has not read the catalog), and only PostgreSQL sorts text in it";
        }
        return switch (order) {
            case BYTES -> "";
            case LINGUISTIC -> ", text in a linguistic collation (not \"C\"): only PostgreSQL sorts it";
            case UNORDERED -> ", of a type pgsteer cannot compare";
            case NONDETERMINISTIC -> ", text in a collation named by COLLATE or nondeterministic: only PostgreSQL sorts it";
        };
    }

    /** How the values of {@code e} compare; null when that cannot be proven. */
    private Order order(Expression e) {
        return switch (e) {
            case null -> null;
            case AllColumns star -> null;
            case Parenthesis p -> order(p.getExpression());
            case CollateExpression c -> BYTEWISE.contains(Identifiers.identifier(c.getCollate()))
                    ? Order.BYTES : Order.NONDETERMINISTIC;
            case LongValue number -> Order.BYTES;
            case DoubleValue number -> Order.BYTES;
            case Column column -> column(column);
            case CastExpression cast when cast.getColDataType() != null
                    && UNCOLLATED.contains(typeName(cast)) -> Order.BYTES;
            case CastExpression cast when cast.getColDataType() != null && !TEXT.contains(typeName(cast)) -> null;
            case Function f when isMinOrMax(f) && f.getParameters() != null && f.getParameters().size() == 1 ->
                    order(f.getParameters().getFirst());
            case Function f when isNumberAggregate(f) -> Order.BYTES;
            default -> derived(e);
        };
    }

    private static String typeName(CastExpression cast) {
        return cast.getColDataType().getDataType().toLowerCase(Locale.ROOT).trim();
    }

    private static boolean isMinOrMax(Function f) {
        String name = f.getName() == null ? "" : f.getName().toLowerCase(Locale.ROOT);
        return name.equals("min") || name.equals("max");
    }

    private static boolean isNumberAggregate(Function f) {
        String name = f.getName() == null ? "" : f.getName().toLowerCase(Locale.ROOT);
        return name.equals("count") || name.equals("sum") || name.equals("avg");
    }

    /** A column of the FROM clause: its table's order as the catalog told it, or the default's. */
    private Order column(Column column) {
        String name = Identifiers.identifier(column.getColumnName());
        Table qualifier = column.getTable();
        if (qualifier != null && qualifier.getName() != null) {
            String alias = Identifiers.identifier(qualifier.getName());
            String table = tables.get(alias);
            return known(table, name);
        }
        Order found = null;
        int seen = 0;
        for (String table : tables.values()) {
            Order order = table == null ? null : collations.of(table, name);
            if (order != null) {
                found = order;
                seen++;
            }
        }
        if (seen == 1) {
            return found;
        }
        // No table of the FROM clause the catalog read has the name: a column made since, perhaps.
        gap |= seen == 0 && collations.complete() && tables.values().stream().anyMatch(t -> t != null);
        return seen > 1 ? null : unknownColumn();
    }

    private Order known(String table, String column) {
        Order order = table == null ? null : collations.of(table, column);
        gap |= order == null && table != null && collations.complete();
        return order != null ? order : unknownColumn();
    }

    /**
     * A column the catalog has not told: not known where the catalog was read (made since); in a map
     * written by hand, the database's default collation, if that sorts by bytes.
     */
    private Order unknownColumn() {
        return !collations.complete() && collations.databaseDefault() == Order.BYTES ? Order.BYTES : null;
    }

    /** ORDER BY a bare name means the output column of that name first, as in PostgreSQL. */
    private Expression outputOrInput(Expression e) {
        if (e instanceof Column c && c.getTable() == null) {
            String name = Identifiers.identifier(c.getColumnName());
            for (SelectItem<?> item : items) {
                if (item.getAlias() != null && Identifiers.identifier(item.getAlias().getName()).equals(name)) {
                    return item.getExpression();
                }
            }
        }
        return e;
    }

    /**
     * An expression's collation comes from its inputs: a COLLATE in it, or a column with a collation
     * of its own, may give it theirs; otherwise it has the database's default (or none, which the
     * merge checks by its type).
     */
    private Order derived(Expression e) {
        Inputs inputs = new Inputs();
        try {
            inputs.getTables(e);
        } catch (UnsupportedOperationException unknown) {
            return null;
        }
        if (inputs.collated) {
            return Order.NONDETERMINISTIC;
        }
        Order worst = collations.databaseDefault();
        for (Column c : inputs.columns) {
            Order order = column(c);
            if (order == null && collations.complete()) {
                return null;
            }
            if (order == Order.NONDETERMINISTIC || order == Order.LINGUISTIC) {
                worst = order;
            }
        }
        return worst;
    }

    private void add(FromItem from) {
        if (from == null) {
            return;
        }
        String alias = from.getAlias() == null ? null : Identifiers.identifier(from.getAlias().getName());
        if (from instanceof Table table && !Identifiers.isCatalog(table)) {
            String name = Identifiers.identifier(table.getName());
            tables.put(alias != null ? alias : name, name);
        } else if (alias != null) {
            tables.put(alias, null);
        }
    }

    /** The columns and COLLATE clauses in an expression (subqueries included). */
    private static final class Inputs extends TablesNamesFinder<Void> {
        final List<Column> columns = new ArrayList<>();
        boolean collated;

        @Override
        public <S> Void visit(Column column, S context) {
            columns.add(column);
            return super.visit(column, context);
        }

        @Override
        public <S> Void visit(CollateExpression collate, S context) {
            collated = true;
            return super.visit(collate, context);
        }
    }
}
