package dev.pgsteer.router.syntax;

import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.InExpression;

/**
 * Repairs a tree JSQLParser 5.3 builds wrongly: it reads {@code x IN (1, 2) AND y = 4} as
 * {@code x IN ((1, 2) AND y = 4)}, and {@code x IN (SELECT ...) AND y = 4 OR z = 5} as {@code x IN
 * (((SELECT ...) AND y = 4) OR z = 5)}: whatever follows the parenthesised list becomes part of the
 * IN's right side, with the usual precedence among itself. The IN's real list is that side's
 * leftmost operand; putting the IN there gives the tree PostgreSQL reads. (Its printed text is the
 * same either way, which is why texts rebuilt from the tree were right all along.)
 */
public final class InLists {
    private InLists() {
    }

    /** Whether {@code e} is such a misread IN. */
    public static boolean isMisread(Expression e) {
        return e instanceof InExpression in
                && (in.getRightExpression() instanceof AndExpression || in.getRightExpression() instanceof OrExpression);
    }

    /** The tree PostgreSQL reads for a misread IN (a new tree; the given one is left as it is). */
    public static Expression repaired(InExpression in) {
        return withLeftmost((BinaryExpression) in.getRightExpression(), in);
    }

    private static Expression withLeftmost(BinaryExpression chain, InExpression in) {
        Expression left = chain.getLeftExpression();
        Expression newLeft;
        if (left instanceof AndExpression || left instanceof OrExpression) {
            newLeft = withLeftmost((BinaryExpression) left, in);
        } else {
            InExpression real = new InExpression(in.getLeftExpression(), left);
            real.setNot(in.isNot());
            newLeft = real;
        }
        return chain instanceof AndExpression
                ? new AndExpression(newLeft, chain.getRightExpression())
                : new OrExpression(newLeft, chain.getRightExpression());
    }
}
