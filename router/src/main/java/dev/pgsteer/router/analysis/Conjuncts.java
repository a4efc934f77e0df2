package dev.pgsteer.router.analysis;

import dev.pgsteer.router.syntax.InLists;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;

/**
 * A WHERE clause as the conditions AND-ed at its top, each with its SQL text.
 *
 * JSQLParser's misread of an IN followed by more conditions is repaired first ({@link InLists}).
 */
final class Conjuncts {
    record Conjunct(Expression expression, String text) {
    }

    private Conjuncts() {
    }

    static List<Conjunct> of(Expression where) {
        List<Conjunct> out = new ArrayList<>();
        split(where, out);
        return out;
    }

    private static void split(Expression e, List<Conjunct> out) {
        if (e instanceof AndExpression and) {
            split(and.getLeftExpression(), out);
            split(and.getRightExpression(), out);
        } else if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1 && list.get(0) instanceof AndExpression and) {
            split(and, out);
        } else if (e instanceof InExpression in && InLists.isMisread(in)) {
            split(InLists.repaired(in), out);
        } else {
            out.add(new Conjunct(e, e.toString()));
        }
    }
}
