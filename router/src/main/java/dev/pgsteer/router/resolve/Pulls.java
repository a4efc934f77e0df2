package dev.pgsteer.router.resolve;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.PullPlan;
import dev.pgsteer.router.plan.PulledLocal;
import dev.pgsteer.router.plan.PulledTable;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A shape's {@link PullPlan} for one execution: literals put back, and each filter cut at the
 * client's parameters, which the proxy renumbers for the pulled statement (and binds with the
 * client's values) or, when it has no values to bind (the simple protocol), leaves behind.
 */
public final class Pulls {
    private Pulls() {
    }

    /** What to pull of each of {@code tables}, in their order; whole tables where the plan says nothing. */
    public static List<PulledTable> of(PullPlan plan, List<TableConfig.Sharded> tables, LexedStatement statement) {
        List<PulledTable> out = new ArrayList<>(tables.size());
        for (TableConfig.Sharded table : tables) {
            PullPlan.TablePull pull = plan == null ? null : plan.tables().get(table.name());
            if (pull == null) {
                out.add(PulledTable.whole(table));
                continue;
            }
            List<PulledTable.PushedFilter> filters = new ArrayList<>();
            for (PullPlan.Filter filter : pull.filters()) {
                filters.add(pushed(filter, plan.fromShape(), statement));
            }
            out.add(new PulledTable(table, pull.alias(), pull.allColumns() ? null : plan.identifiers(), filters));
        }
        return out;
    }

    /** Each local key source of the plan ({@link PullPlan#locals}), in order, its literals put back. */
    public static List<PulledLocal> locals(PullPlan plan, LexedStatement statement) {
        if (plan == null) {
            return List.of();
        }
        List<PulledLocal> out = new ArrayList<>(plan.locals().size());
        for (PullPlan.Local local : plan.locals()) {
            List<PulledTable.PushedFilter> filters = new ArrayList<>();
            for (PullPlan.Filter filter : local.pull().filters()) {
                filters.add(pushed(filter, plan.fromShape(), statement));
            }
            out.add(new PulledLocal(local.table(), local.pull().alias(), filters, local.grouped()));
        }
        return out;
    }

    /**
     * The filter's text cut at every client parameter ({@code $n}, n at most the statement's
     * parameter count), read token by token so that a {@code $1} inside a string constant is left
     * alone; in a shape, the other placeholders are the lexer's literals, put back as written.
     */
    static PulledTable.PushedFilter pushed(PullPlan.Filter filter, boolean fromShape, LexedStatement statement) {
        List<List<PulledTable.PushedFilter>> anyOf = new ArrayList<>();
        for (List<PullPlan.Filter> group : filter.anyOf()) {
            anyOf.add(group.stream().map(f -> pushed(f, fromShape, statement)).toList());
        }
        if (filter.text() == null) {
            return new PulledTable.PushedFilter(List.of(), List.of(), Set.of(), Set.of(), anyOf);
        }
        byte[] text = filter.text().getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(text, 0, text.length, false);
        List<String> pieces = new ArrayList<>();
        List<Integer> parameters = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int copied = 0;
        for (SqlTokenizer.Kind kind = t.next(); kind != SqlTokenizer.Kind.END; kind = t.next()) {
            if (kind != SqlTokenizer.Kind.PARAMETER) {
                continue;
            }
            String digits = t.value().substring(1);
            int number = digits.length() <= 9 ? Integer.parseInt(digits) : Integer.MAX_VALUE;
            boolean literal = fromShape && number > statement.parameterCount() && number != Integer.MAX_VALUE;
            if (!literal && number > statement.parameterCount()) {
                continue;
            }
            piece.append(new String(text, copied, t.start() - copied, StandardCharsets.UTF_8));
            copied = t.stop();
            if (literal) {
                piece.append(statement.rawLiterals().get(number - statement.parameterCount() - 1));
            } else {
                pieces.add(piece.toString());
                piece.setLength(0);
                parameters.add(number);
            }
        }
        piece.append(new String(text, copied, text.length - copied, StandardCharsets.UTF_8));
        pieces.add(piece.toString());
        List<Integer> onlyHere = filter.onlyHere().stream().filter(parameters::contains).toList();
        return new PulledTable.PushedFilter(pieces, parameters, filter.bareColumns(), Set.copyOf(onlyHere), anyOf);
    }
}
