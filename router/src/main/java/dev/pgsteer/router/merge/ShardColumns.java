package dev.pgsteer.router.merge;

import dev.pgsteer.router.syntax.Identifiers;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * The columns of the rows the shards return, while the merge is planned: the select list as written
 * (whose positions after a {@code *} pgsteer does not know) and the hidden columns the plan appends.
 * The merge numbers a hidden column from the end (-1 is the last), so a {@link Ref} becomes a column
 * number only once every hidden column is known.
 */
final class ShardColumns {
    /** A column while planning: an item of the select list, or the {@code index}th hidden column. */
    record Ref(boolean hidden, int index) {
    }

    private final List<SelectItem<?>> items;
    /** The item's column number, or -1 after a {@code *} (whose width pgsteer does not know). */
    private final int[] known;
    private final List<Expression> hidden = new ArrayList<>();
    private final boolean star;

    ShardColumns(List<SelectItem<?>> selectList) {
        this.items = new ArrayList<>(selectList);
        this.known = new int[items.size()];
        boolean afterStar = false;
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).getExpression() instanceof AllColumns) {
                afterStar = true;
            }
            known[i] = afterStar ? -1 : i;
        }
        this.star = afterStar;
    }

    List<SelectItem<?>> items() {
        return items;
    }

    /** Whether the select list has a {@code *}. */
    boolean star() {
        return star;
    }

    /** Whether item {@code i} has a column number pgsteer knows (it is not at or after a {@code *}). */
    boolean isKnown(int item) {
        return known[item] >= 0;
    }

    List<Expression> hidden() {
        return hidden;
    }

    Ref addHidden(Expression e) {
        hidden.add(e);
        return new Ref(true, hidden.size() - 1);
    }

    /** A column as the merge numbers it: hidden columns count from the end (-1 is the last). */
    int column(Ref ref) {
        return ref.hidden() ? ref.index() - hidden.size() : known[ref.index()];
    }

    /** The select item {@code e} names: by output name (a bare column name), else by equal text; -1 if none. */
    int item(Expression e) {
        if (e instanceof Column c && c.getTable() == null) {
            String name = Identifiers.identifier(c.getColumnName());
            for (int i = 0; i < items.size(); i++) {
                Alias alias = items.get(i).getAlias();
                if (alias != null && Identifiers.identifier(alias.getName()).equals(name)) {
                    return i;
                }
            }
        }
        String text = e.toString();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).getExpression().toString().equalsIgnoreCase(text)) {
                return i;
            }
        }
        return -1;
    }
}
