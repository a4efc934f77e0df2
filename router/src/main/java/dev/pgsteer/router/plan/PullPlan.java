package dev.pgsteer.router.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the coordinator step pulls of each sharded table a SELECT reads, as narrow as is exact: only
 * the columns the statement may name, and only the rows its own WHERE conditions on that table
 * keep. Planned once per shape, with the analysis; the table's real columns are only known on the
 * coordinator at run time, so columns are given as the statement's identifiers (a superset of the
 * columns it uses) and each filter says which bare column names it needs the table to have.
 *
 * @param identifiers every name the statement's text holds (folded as PostgreSQL folds them): the
 *                    columns of a table worth pulling are those among them; null when the text
 *                    could not be read token by token
 * @param fromShape   whether the filters' texts are in the shape's form ({@code $k} placeholders for
 *                    the lexer's literals, to be put back) or the statement's own text
 * @param tables      by table name (as configured), what to pull of it
 * @param joins       the equalities of each FROM list that joins sharded tables ({@link JoinScope})
 * @param locals      each occurrence of a reference or unsharded table that is a member of a join
 *                    scope ({@link JoinScope#LOCAL} and its index here): its configured name and its
 *                    own conditions there, which its key values (read on the coordinator) meet
 */
public record PullPlan(Set<String> identifiers, boolean fromShape, Map<String, TablePull> tables, List<JoinScope> joins,
                       List<Local> locals) {

    public PullPlan {
        identifiers = identifiers == null ? null : Set.copyOf(identifiers);
        tables = Map.copyOf(tables);
        joins = List.copyOf(joins);
        locals = List.copyOf(locals);
    }

    public PullPlan(Set<String> identifiers, boolean fromShape, Map<String, TablePull> tables, List<JoinScope> joins) {
        this(identifiers, fromShape, tables, joins, List.of());
    }

    /**
     * One occurrence of a reference or unsharded table: its name (folded) and what narrows its rows
     * there. Or ({@code grouped} not null) a sharded table's {@code x IN (SELECT grouped FROM table
     * ... GROUP BY grouped ...)} subquery that each shard can answer from its own rows when {@code
     * grouped} is the table's shard key: its text is {@code pull}'s one filter.
     */
    public record Local(String table, TablePull pull, String grouped) {
        public Local(String table, TablePull pull) {
            this(table, pull, null);
        }
    }

    public PullPlan(Set<String> identifiers, boolean fromShape, Map<String, TablePull> tables) {
        this(identifiers, fromShape, tables, List.of(), List.of());
    }

    /**
     * One sharded table's pull.
     *
     * @param alias      the name the statement's filters use for the table (its alias, or its name),
     *                   as written, so the pulled SELECT can be written with it
     * @param allColumns whether every column must be pulled: the statement may use the row as a whole
     *                   ({@code *}, {@code t.*}, the table's name as a value, NATURAL JOIN), or the table
     *                   occurs so that its uses cannot be counted
     * @param filters    conditions of the statement that only read this table's own row and that every
     *                   row it uses must meet (AND-ed conjuncts of a WHERE of the one scope where the
     *                   table is an inner member): rows failing them can be left on the shard
     */
    public record TablePull(String alias, boolean allColumns, List<Filter> filters) {
        public TablePull {
            filters = List.copyOf(filters);
        }
    }

    /**
     * A pushed-down condition.
     *
     * @param text        its SQL, over the table's alias and bare column names; null when only
     *                    {@code anyOf} can be pushed
     * @param bareColumns the unqualified names it reads: it may be pushed only if the table has every
     *                    one of them (otherwise a name may be an outer query's column)
     * @param parameters  the {@code $n} numbers it holds (client parameters when n is at most the
     *                    statement's parameter count; the others are the shape's literals)
     * @param onlyHere    those of {@code parameters} that occur nowhere else in the statement's text
     * @param anyOf       for a condition that is an OR of AND-groups, each group's own conditions
     *                    (every pushable one, over this table or another: which are this table's is
     *                    only known once its columns are): when {@code text} cannot be pushed, the OR
     *                    of each group's conditions that can is, if every group has one (a group with
     *                    none lets any row through), as PostgreSQL derives for its own scans
     */
    public record Filter(String text, Set<String> bareColumns, Set<Integer> parameters, Set<Integer> onlyHere,
                         List<List<Filter>> anyOf) {
        public Filter {
            bareColumns = Set.copyOf(bareColumns);
            parameters = Set.copyOf(parameters);
            onlyHere = Set.copyOf(onlyHere);
            anyOf = anyOf.stream().map(List::copyOf).toList();
        }

        public Filter(String text, Set<String> bareColumns, Set<Integer> parameters, Set<Integer> onlyHere) {
            this(text, bareColumns, parameters, onlyHere, List.of());
        }
    }
}
