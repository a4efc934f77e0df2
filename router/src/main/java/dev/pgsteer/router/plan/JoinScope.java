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
 * @param members     the scope's sharded tables, by the name the statement gives them there (alias,
 *                    or table name; folded as PostgreSQL folds them)
 * @param equalities  {@code column = column} conditions every joined row of the scope meets
 */
public record JoinScope(Map<String, Member> members, List<Equality> equalities) {

    public JoinScope {
        members = Map.copyOf(members);
        equalities = List.copyOf(equalities);
    }

    /**
     * A sharded table of the scope.
     *
     * @param table    its configured name
     * @param receives whether its pull may be narrowed to other tables' keys: it occurs once in the
     *                 statement, here, as an inner member, so every row it contributes is a joined
     *                 row of this scope
     */
    public record Member(String table, boolean receives) {
    }

    /** A column as written: {@code qualifier} the folded alias or table name, or null for a bare name; {@code name} folded. */
    public record Column(String qualifier, String name) {
    }

    /** {@code left = right}. */
    public record Equality(Column left, Column right) {
    }
}
