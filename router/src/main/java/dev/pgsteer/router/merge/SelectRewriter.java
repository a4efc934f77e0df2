package dev.pgsteer.router.merge;

import java.util.List;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Turns the client's SELECT, in place, into the one each shard runs: the only code that changes
 * the parsed tree. The hidden columns are appended to the select list; with aggregates, ORDER BY,
 * LIMIT, OFFSET and DISTINCT move to the merge and the HAVING conditions on aggregates leave;
 * without, LIMIT n OFFSET m becomes LIMIT (n + m), so that every shard returns the rows the merge
 * may need.
 */
final class SelectRewriter {
    private SelectRewriter() {
    }

    static void rewrite(PlainSelect plain, List<SelectItem<?>> shardItems, List<Expression> hidden, boolean aggregate,
                        Expression keptHaving, PagePlan page) throws JSQLParserException {
        for (Expression e : hidden) {
            shardItems.add(new SelectItem<>(e));
        }
        plain.setSelectItems(shardItems);
        if (aggregate) {
            plain.setHaving(keptHaving);
            plain.setOrderByElements(null);
            plain.setLimit(null);
            plain.setOffset(null);
            plain.setDistinct(null);
        } else if (page.offset() != null) {
            if (page.limit() != null) {
                plain.getLimit().setRowCount(CCJSqlParserUtil.parseExpression("(" + plain.getLimit().getRowCount()
                        + "::bigint + " + plain.getOffset().getOffset() + "::bigint)"));
            }
            plain.setOffset(null);
        }
    }
}
