package dev.pgsteer.router.plan;

import java.util.List;
import java.util.Map;

/**
 * The equalities between columns that one FROM list's rows must meet (top-level conjuncts of its
 * WHERE, and of the ON of its inner joins), with the sharded tables that are members of that FROM
 * list. The coordinator step uses them to pull a table's rows only for key values that another,
 * already pulled table holds ({@code l_partkey = ANY(the pulled p_partkey values)}): a row whose
 * column matches no pulled row of a table it must equal cannot be part of any row of the join.
 *
 * <p>Two more kinds of member carry values into a scope without receiving any (they are sources
 * only): a sharded table of the enclosing SELECT that a subquery in its WHERE is correlated to
 * ({@code outer}: a row of the subquery's table only matters for the outer values it is evaluated
 * with, which are the outer table's pulled values), and the table of a top-level {@code x IN (SELECT
 * y FROM t ...)} conjunct ({@link Member#nested}: a row whose {@code x} is no pulled {@code y} fails
 * it).
 *
 * @param members     the scope's sharded tables and its local ones ({@link #LOCAL}), by the name the statement gives them there (alias,
 *                    or table name; folded as PostgreSQL folds them); a nested member under a name no
 *                    SQL identifier can spell (it starts with NUL)
 * @param equalities  {@code column = column} conditions every joined row of the scope meets
 * @param outer       the sharded tables of the SELECT whose WHERE holds this scope's SELECT as a
 *                    subquery, by that SELECT's names for them; a column resolves to one of them only
 *                    when no member here can have it
 * @param complete    whether every FROM item of the scope is one of {@code members} (so a name that
 *                    none of them has cannot be a column of another FROM item here)
 */
public record JoinScope(Map<String, Member> members, List<Equality> equalities, Map<String, Member> outer, boolean complete) {

    public JoinScope {
        members = Map.copyOf(members);
        equalities = List.copyOf(equalities);
        outer = Map.copyOf(outer);
    }

    /** A scope without outer members. */
    public JoinScope(Map<String, Member> members, List<Equality> equalities) {
        this(members, equalities, Map.of(), false);
    }

    /** The prefix of a nested member's name: no identifier holds NUL. */
    public static final String NESTED = "\u0000in";

    /**
     * The prefix of a local member's table: a reference or unsharded table (on the coordinator's
     * shard, never pulled), followed by its index in {@link PullPlan#locals}. Such a member is a source
     * of key values read on the coordinator, and receives only from other local members.
     */
    public static final String LOCAL = "\u0000local";

    /** The index in {@link PullPlan#locals} of a local member's table; -1 for a sharded table. */
    public static int localIndex(String table) {
        return table.startsWith(LOCAL) ? Integer.parseInt(table.substring(LOCAL.length())) : -1;
    }

    /**
     * A sharded table of the scope.
     *
     * @param table       its configured name
     * @param receives    whether its pull may be narrowed to other tables' keys: its uses in the
     *                    statement are counted, and here it is an inner member, so every row it
     *                    contributes here is a joined row of this scope
     * @param occurrence  which of the table's occurrences in the statement this is (0 to {@code occurrences - 1})
     * @param occurrences how many times the statement names the table in a FROM list: a table is
     *                    narrowed only when every occurrence is, by the union of what each needs
     */
    public record Member(String table, boolean receives, int occurrence, int occurrences) {
        /** A table that occurs once. */
        public Member(String table, boolean receives) {
            this(table, receives, 0, 1);
        }

        /** Whether this is the member of an {@code IN (SELECT ...)} conjunct, named {@link #NESTED}. */
        public static boolean nested(String name) {
            return name.startsWith(NESTED);
        }
    }

    /** A column as written: {@code qualifier} the folded alias or table name, or null for a bare name; {@code name} folded. */
    public record Column(String qualifier, String name) {
    }

    /** {@code left = right}. */
    public record Equality(Column left, Column right) {
    }
}
