package dev.pgsteer.router.plan;

import dev.pgsteer.config.TableConfig;
import java.util.List;
import java.util.Set;
import java.util.function.IntUnaryOperator;

/**
 * One sharded table as the coordinator step pulls it for one execution of a statement: which
 * columns (those of the table named in {@code identifiers}; all when null) and the conditions that
 * rows must meet (SQL over {@code alias}; pushed when the table has every one of the filter's bare
 * column names, since otherwise a name may belong to another table or an outer query).
 */
public record PulledTable(TableConfig.Sharded table, String alias, Set<String> identifiers, List<PushedFilter> filters) {

    public PulledTable {
        identifiers = identifiers == null ? null : Set.copyOf(identifiers);
        filters = List.copyOf(filters);
    }

    /** The whole table: every column, every row. */
    public static PulledTable whole(TableConfig.Sharded table) {
        return new PulledTable(table, null, null, List.of());
    }

    /**
     * A condition to push, cut at the client's parameters so that they can be renumbered for the
     * pulled statement: its SQL is {@code pieces[0] $parameters[0] pieces[1] ... pieces[n]}.
     *
     * @param pieces      its SQL between the client's parameters, literals put back as written; empty
     *                    when only {@code anyOf} can be pushed
     * @param parameters  the client's parameter numbers, in the order the text holds them (repeated
     *                    as often as it does); empty when the condition holds none
     * @param bareColumns the unqualified names it reads (pushed only if the table has all of them)
     * @param onlyHere    those of {@code parameters} the statement holds nowhere else: when the client
     *                    left such a parameter's type to the server, the server deduces it from this
     *                    condition alone, in the pulled statement as in the client's
     * @param anyOf       an OR of AND-groups' own conditions, pushed (as the OR of each group's
     *                    conditions the table can run) when the whole cannot be
     */
    public record PushedFilter(List<String> pieces, List<Integer> parameters, Set<String> bareColumns, Set<Integer> onlyHere,
                               List<List<PushedFilter>> anyOf) {
        public PushedFilter {
            pieces = List.copyOf(pieces);
            parameters = List.copyOf(parameters);
            bareColumns = Set.copyOf(bareColumns);
            onlyHere = Set.copyOf(onlyHere);
            anyOf = anyOf.stream().map(List::copyOf).toList();
            if (!pieces.isEmpty() && pieces.size() != parameters.size() + 1) {
                throw new IllegalArgumentException("a filter has one piece more than parameters");
            }
        }

        public PushedFilter(List<String> pieces, List<Integer> parameters, Set<String> bareColumns, Set<Integer> onlyHere) {
            this(pieces, parameters, bareColumns, onlyHere, List.of());
        }

        /** A condition without client parameters. */
        public PushedFilter(String sql, Set<String> bareColumns) {
            this(List.of(sql), List.of(), bareColumns, Set.of());
        }

        /** Whether the condition as a whole can be pushed (else only its {@link #anyOf}, if any). */
        public boolean hasWhole() {
            return !pieces.isEmpty();
        }

        /** Its SQL with the client's own parameter numbers. */
        public String sql() {
            return sql(IntUnaryOperator.identity());
        }

        /** Its SQL with each client parameter {@code $n} written as {@code $number(n)}. */
        public String sql(IntUnaryOperator number) {
            StringBuilder out = new StringBuilder(pieces.getFirst());
            for (int i = 0; i < parameters.size(); i++) {
                out.append('$').append(number.applyAsInt(parameters.get(i))).append(pieces.get(i + 1));
            }
            return out.toString();
        }
    }
}
