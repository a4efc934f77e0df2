package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.sf.jsqlparser.expression.ArrayConstructor;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.DateTimeLiteralExpression;
import net.sf.jsqlparser.expression.DateValue;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExtractExpression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.TimeValue;
import net.sf.jsqlparser.expression.TimestampValue;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsBooleanExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.schema.Column;

/**
 * Whether a condition can run on a shard, ahead of the coordinator, with the same outcome for every
 * row: it reads only one table's own columns, constants, operators and functions whose result
 * depends on their arguments alone. Anything else (a subquery, another table's column, an aggregate,
 * now(), a cast to a catalog lookup type) keeps the condition on the coordinator only.
 */
final class PushableCondition {
    /**
     * What a pushable condition needs: the bare column names it reads, and its {@code $n} numbers
     * with how often it holds each.
     */
    record Reading(Set<String> bareColumns, Map<Integer, Integer> parameterUses) {
        Set<Integer> parameters() {
            return parameterUses.keySet();
        }
    }

    private final String alias;
    private final Set<String> pureFunctions;
    private final Set<String> bareColumns = new HashSet<>();
    private final Map<Integer, Integer> parameterUses = new HashMap<>();

    private PushableCondition(String alias, Set<String> pureFunctions) {
        this.alias = alias;
        this.pureFunctions = pureFunctions;
    }

    /** The condition's needs, or null when it cannot be pushed; {@code alias} is the table's, folded. */
    static Reading read(Expression condition, String alias, Set<String> pureFunctions) {
        PushableCondition reading = new PushableCondition(alias, pureFunctions);
        return reading.pushable(condition) ? new Reading(reading.bareColumns, reading.parameterUses) : null;
    }

    private boolean pushable(Expression e) {
        return switch (e) {
            case null -> true;
            case Column column -> column(column);
            // Printed back as read only when plain: no E'' escapes or prefixes whose text could change.
            case StringValue v -> v.getPrefix() == null && !v.getValue().contains("\\");
            case LongValue v -> true;
            case DoubleValue v -> true;
            case NullValue v -> true;
            case BooleanValue v -> true;
            case DateValue v -> true;
            case TimeValue v -> true;
            case TimestampValue v -> true;
            case DateTimeLiteralExpression v -> true;
            case JdbcParameter p -> parameter(p);
            case IntervalExpression i -> pushable(i.getExpression());
            case SignedExpression s -> pushable(s.getExpression());
            case NotExpression n -> pushable(n.getExpression());
            case IsNullExpression n -> pushable(n.getLeftExpression());
            case IsBooleanExpression b -> pushable(b.getLeftExpression());
            case Between b -> pushable(b.getLeftExpression()) && pushable(b.getBetweenExpressionStart())
                    && pushable(b.getBetweenExpressionEnd());
            case InExpression in -> in.getRightExpression() instanceof ExpressionList<?> list
                    && pushable(in.getLeftExpression()) && all(list);
            case ExpressionList<?> list -> all(list);
            case CastExpression cast -> plainCast(cast) && pushable(cast.getLeftExpression());
            case ExtractExpression x -> pushable(x.getExpression());
            case Function f -> function(f);
            case BinaryExpression b -> pushable(b.getLeftExpression()) && pushable(b.getRightExpression());
            default -> false;
        };
    }

    private boolean parameter(JdbcParameter p) {
        if (p.getIndex() == null) {
            return false;
        }
        parameterUses.merge(p.getIndex(), 1, Integer::sum);
        return true;
    }

    private boolean all(ExpressionList<?> list) {
        for (Expression item : list) {
            if (!pushable(item)) {
                return false;
            }
        }
        return true;
    }

    private boolean function(Function f) {
        if (isArrayComparison(f)) {
            return arrayOperand(f.getParameters().getFirst());
        }
        if (f.getName() == null || f.getMultipartName().size() != 1 || !pureFunctions.contains(f.getName().toLowerCase(Locale.ROOT))
                || f.isAllColumns() || f.isDistinct() || f.getKeep() != null
                || f.getOrderByElements() != null || f.getNamedParameters() != null && !all(f.getNamedParameters())) {
            return false;
        }
        return f.getParameters() == null || all(f.getParameters());
    }

    /**
     * {@code x = ANY(...)} and {@code x <> ALL(...)}, which JSQLParser reads as a function named ANY
     * or ALL (a subquery would be an AnyComparisonExpression, not pushed).
     */
    private static boolean isArrayComparison(Function f) {
        return f.getName() != null && f.getMultipartName().size() == 1
                && Set.of("any", "all", "some").contains(f.getName().toLowerCase(Locale.ROOT))
                && f.getParameters() != null && f.getParameters().size() == 1 && !f.isDistinct() && !f.isAllColumns()
                && f.getKeep() == null && f.getOrderByElements() == null && f.getNamedParameters() == null;
    }

    /**
     * The array of an ANY/ALL comparison, pushed when it is an ARRAY constructor of pushable items, a
     * string literal ({@code '{a,b}'}, a {@code $k} placeholder in the shape), a parameter, or a cast
     * of these. Exact: the comparison is then a function of the row's own columns and constants
     * alone, and the pulled text is the statement's conjunct over the same column types, so
     * PostgreSQL resolves the operator and the array's type (an unknown literal takes the array
     * type of the other side) the same way on the shard as in the statement.
     */
    private boolean arrayOperand(Expression array) {
        return switch (array) {
            case ArrayConstructor constructor -> constructor.isArrayKeyword() && constructor.getExpressions() != null
                    && constructor.getExpressions().stream().allMatch(this::arrayItem);
            case StringValue v -> pushable(v);
            case JdbcParameter p -> parameter(p);
            case CastExpression cast -> plainCast(cast) && arrayOperand(cast.getLeftExpression());
            default -> false;
        };
    }

    private boolean arrayItem(Expression item) {
        return item instanceof ArrayConstructor nested ? arrayOperand(nested) : pushable(item);
    }

    /** A cast to a type named plainly: not to a reg* type, whose input reads the catalog. */
    private static boolean plainCast(CastExpression cast) {
        return cast.getColDataType() != null
                && !cast.getColDataType().getDataType().toLowerCase(Locale.ROOT).startsWith("reg")
                && (cast.getColumnDefinitions() == null || cast.getColumnDefinitions().isEmpty());
    }

    private boolean column(Column column) {
        if (column.getTable() == null || column.getTable().getName() == null) {
            bareColumns.add(identifier(column.getColumnName()));
            return true;
        }
        // Qualified: only by the table's own alias (or name), never by a schema.
        return column.getTable().getSchemaName() == null && identifier(column.getTable().getName()).equals(alias);
    }
}
