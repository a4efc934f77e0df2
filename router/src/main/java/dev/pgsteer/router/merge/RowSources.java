package dev.pgsteer.router.merge;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.WithItem;

/**
 * Whether a SELECT that runs on several shards yields each of its rows from one shard only, so that
 * concatenating (or merging) the shards' answers gives each row once. That holds when every row holds
 * a row of a sharded table, which lives on one shard. It does not when a row can be made of reference
 * tables alone: {@code FROM currencies WHERE NOT EXISTS (SELECT ... FROM orders ...)} (a sharded table
 * in a subquery only), {@code SELECT EXISTS (SELECT ... FROM orders)} (no FROM), or the kept side of
 * an outer join ({@code currencies LEFT JOIN orders}); every shard would give such a row once, or, for
 * NOT EXISTS, give it where its own rows do not match. Asked by the analysis of a SELECT.
 */
public final class RowSources {
    private RowSources() {
    }

    /** Why the shards' rows of {@code select} cannot be combined, or null when each row comes from one shard. */
    public static String refusal(Select select, Predicate<String> isShardedTable) {
        return new Walk(isShardedTable).rows(select, Map.of())
                ? null
                : "rows that hold no row of a sharded table (a FROM of reference tables only, no FROM, or the kept side"
                        + " of an outer join) over several shards (every shard would give them)";
    }

    private static final class Walk {
        private final Predicate<String> isShardedTable;
        /** CTEs being walked: a recursive CTE's reference to itself adds no sharded row of its own. */
        private final Set<String> walking = new HashSet<>();

        Walk(Predicate<String> isShardedTable) {
            this.isShardedTable = isShardedTable;
        }

        /** Whether every row {@code select} yields holds a row of a sharded table; {@code ctes} are the visible WITH items. */
        boolean rows(Select select, Map<String, Select> ctes) {
            Map<String, Select> visible = ctes;
            List<WithItem<?>> with = select.getWithItemsList();
            if (with != null && !with.isEmpty()) {
                visible = new HashMap<>(ctes);
                for (WithItem<?> item : with) {
                    if (item.getAlias() != null && item.getSelect() != null) {
                        visible.put(identifier(item.getAlias().getName()), item.getSelect());
                    }
                }
            }
            Map<String, Select> scope = visible;
            return switch (select) {
                case PlainSelect plain -> plain.getFromItem() != null && joined(plain.getFromItem(), plain.getJoins(), scope);
                case SetOperationList set -> set.getSelects().stream().allMatch(s -> rows(s, scope));
                case ParenthesedSelect parenthesed -> rows(parenthesed.getSelect(), scope);
                default -> false;
            };
        }

        /** A FROM item and its joins: an inner join's row holds both sides', an outer join's only the kept side's. */
        private boolean joined(FromItem from, List<Join> joins, Map<String, Select> ctes) {
            boolean rows = item(from, ctes);
            if (joins != null) {
                for (Join join : joins) {
                    boolean right = item(join.getRightItem(), ctes);
                    if (join.isFull()) {
                        rows = rows && right;
                    } else if (join.isRight()) {
                        rows = right;
                    } else if (!join.isLeft()) {
                        rows = rows || right;
                    }
                }
            }
            return rows;
        }

        private boolean item(FromItem item, Map<String, Select> ctes) {
            return switch (item) {
                case Table table -> table(table, ctes);
                case ParenthesedSelect sub -> rows(sub, ctes);
                case ParenthesedFromItem p -> joined(p.getFromItem(), p.getJoins(), ctes);
                case null, default -> false;
            };
        }

        private boolean table(Table table, Map<String, Select> ctes) {
            if (table.getName() == null) {
                return false;
            }
            String name = identifier(table.getName());
            Select cte = table.getSchemaName() == null ? ctes.get(name) : null;
            if (cte == null) {
                return isShardedTable.test(table.getName());
            }
            if (!walking.add(name)) {
                return false;
            }
            try {
                return rows(cte, ctes);
            } finally {
                walking.remove(name);
            }
        }
    }
}
