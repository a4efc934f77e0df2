package dev.pgsteer.router.analysis;

import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;

/**
 * The SELECTs of the subqueries in a SELECT's WHERE (not those nested deeper in them): the ones for
 * which that SELECT's FROM items are the next scope out, so a column none of their own FROM items
 * has is one of its. A subquery with a WITH of its own is left out (its names may shadow the tables').
 */
final class Subqueries {
    private Subqueries() {
    }

    static List<PlainSelect> inWhere(PlainSelect scope) {
        List<PlainSelect> out = new ArrayList<>();
        if (scope.getWhere() == null) {
            return out;
        }
        scope.getWhere().accept(new ExpressionVisitorAdapter<Void>() {
            // JSQLParser 5.3 dispatches a subquery to visit(Select) (its ParenthesedSelect overload too, on some paths).
            @Override
            public <S> Void visit(Select select, S context) {
                // Not further down: a subquery's own subqueries have it as their next scope out.
                selects(select, out);
                return null;
            }

            @Override
            public <S> Void visit(ParenthesedSelect select, S context) {
                selects(select, out);
                return null;
            }
        }, null);
        return out;
    }

    private static void selects(Select select, List<PlainSelect> out) {
        if (select.getWithItemsList() != null && !select.getWithItemsList().isEmpty()) {
            return;
        }
        switch (select) {
            case PlainSelect plain -> out.add(plain);
            case ParenthesedSelect parenthesed -> selects(parenthesed.getSelect(), out);
            case SetOperationList operations -> operations.getSelects().forEach(s -> selects(s, out));
            default -> {
            }
        }
    }
}
