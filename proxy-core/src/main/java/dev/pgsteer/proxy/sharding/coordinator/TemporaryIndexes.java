package dev.pgsteer.proxy.sharding.coordinator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What makes PostgreSQL plan the client's statement over the pulled rows as it would over the real
 * tables: their statistics and, where the statement has subqueries, their indexes. A temporary table
 * is never analyzed by autovacuum, so without {@code ANALYZE} the planner guesses its size (and picks
 * nested loops over thousands of rows); and a correlated subquery over an unindexed table scans it
 * once per outer row (TPC-H Q17, Q20: minutes where the real tables take milliseconds). Indexes cost
 * their build on every statement, so they are made only when the statement has a subquery, and only
 * on the leading columns of the real table's plain ones (btree, no expression, no predicate) that were
 * pulled, each such prefix once.
 */
public final class TemporaryIndexes {
    /** A subplan's own line in EXPLAIN's text: {@code   SubPlan 1}. */
    private static final Pattern SUBPLAN = Pattern.compile("^\\s*(?:->\\s*)?SubPlan (\\d+)");
    /** A use of a subplan that runs once, its rows hashed: {@code Filter: (hashed SubPlan 1)}. */
    private static final Pattern HASHED_SUBPLAN = Pattern.compile("hashed SubPlan (\\d+)");

    private TemporaryIndexes() {
    }

    /**
     * A column for {@link CoordinatorSql#qualifiedNames}, over {@code pg_class c}: the table's plain
     * btree indexes, each its quoted column names separated by commas, indexes by semicolons.
     */
    static String catalogColumn() {
        return "(SELECT pg_catalog.string_agg(x.cols, ';') FROM (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ','"
                + " ORDER BY k.n) AS cols FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
                + " JOIN pg_catalog.pg_am am ON am.oid = ic.relam AND am.amname = 'btree'"
                + " CROSS JOIN LATERAL pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)"
                + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " WHERE i.indrelid = c.oid AND i.indexprs IS NULL AND i.indpred IS NULL AND k.n <= i.indnkeyatts"
                + " GROUP BY i.indexrelid) x)";
    }

    /**
     * The statistics target of the pulled columns with a collation (text, varchar, char): their
     * statistics come from 300 times this many rows ({@link #analyze}).
     */
    static final int COLLATABLE_TARGET = 10;

    /** The temporary table's statistics, every column from one sample. */
    public static String analyze(String temporary) {
        return "ANALYZE pg_temp." + temporary;
    }

    /**
     * The temporary table's statistics, its {@code collatable} columns (those of {@code pulled} that
     * have a collation: the catalog's, quoted, comma-separated, or null) from a sample of 3,000 rows,
     * the others from the session's (30,000 rows by default). Why: ANALYZE sorts each column's sample
     * with its type's comparison, and a collated string compares through the C library's strcoll
     * (for every locale but C and POSIX), so at SF 0.2 ANALYZE of TPC-H's customer (30,000 rows, four
     * text columns) took 127 ms, its three other columns 27 ms, the text columns from 3,000 rows 11 ms;
     * orders with o_comment (300,000 rows) 120 ms against 41 + 9. Such columns are mostly carried
     * along (names, comments, addresses) or already filtered by the pull; a condition or GROUP BY on
     * them is still estimated from ten most common values, ten histogram bounds and the distinct
     * count of 3,000 rows. The per-column target lives on the temporary table, which the transaction
     * drops: no setting of the session changes. Only the plan can differ, never an answer.
     */
    public static List<String> analyze(String temporary, List<String> pulled, String collatable) {
        List<String> text = collatable == null ? List.of()
                : PullStatements.columns(collatable).stream().filter(pulled::contains).toList();
        if (text.isEmpty()) {
            return List.of(analyze(temporary));
        }
        List<String> others = pulled.stream().filter(c -> !text.contains(c)).toList();
        List<String> statements = new ArrayList<>();
        statements.add("ALTER TABLE pg_temp." + temporary + " " + text.stream()
                .map(c -> "ALTER COLUMN " + PullStatements.quoted(c) + " SET STATISTICS " + COLLATABLE_TARGET)
                .collect(Collectors.joining(", ")));
        if (!others.isEmpty()) {
            statements.add(analyze(temporary) + " (" + others.stream().map(PullStatements::quoted).collect(Collectors.joining(", ")) + ")");
        }
        statements.add(analyze(temporary) + " (" + text.stream().map(PullStatements::quoted).collect(Collectors.joining(", ")) + ")");
        return statements;
    }

    /**
     * The CREATE INDEX statements (separated by {@code "; "}) on the leading columns of the real
     * table's plain indexes that are among {@code pulled}, each prefix once; empty when there is none.
     */
    public static String indexes(String temporary, String indexes, List<String> pulled) {
        if (indexes == null) {
            return "";
        }
        List<String> statements = new ArrayList<>();
        Set<List<String>> made = new HashSet<>();
        for (String index : split(indexes, ';')) {
            // The index's leading columns that were pulled: (l_partkey, l_suppkey) still serves
            // l_partkey = ... when only l_partkey was pulled.
            List<String> prefix = new ArrayList<>();
            for (String column : PullStatements.columns(index)) {
                if (!pulled.contains(column)) {
                    break;
                }
                prefix.add(column);
            }
            if (!prefix.isEmpty() && made.add(prefix)) {
                statements.add("CREATE INDEX ON pg_temp." + temporary + " ("
                        + String.join(", ", prefix.stream().map(PullStatements::quoted).toList()) + ")");
            }
        }
        return String.join("; ", statements);
    }

    /**
     * Whether PostgreSQL's plan of the statement (the lines of {@code EXPLAIN}, over the pulled tables
     * before any index) would gain from indexes: it runs a subquery once per row (a {@code SubPlan n}
     * that is not {@code hashed SubPlan n}; a hashed one, and an InitPlan, run once), or a nested loop
     * (which, without an index on its inner side, scans it once per outer row: TPC-H Q21's EXISTS and
     * NOT EXISTS took a minute planned so). A plan of hash joins and hashed subplans gains nothing from
     * them (Q18 built indexes on a million pulled rows for nothing; Q22).
     */
    public static boolean gainsFromIndexes(List<String> planLines) {
        return runsSubqueryPerRow(planLines) || planLines.stream().anyMatch(line -> line.contains("Nested Loop"));
    }

    /** Whether the plan runs a subquery once per row: a {@code SubPlan n} that is not {@code hashed SubPlan n}. */
    public static boolean runsSubqueryPerRow(List<String> planLines) {
        Set<String> plans = new HashSet<>();
        Set<String> hashed = new HashSet<>();
        for (String line : planLines) {
            Matcher m = SUBPLAN.matcher(line);
            if (m.find()) {
                plans.add(m.group(1));
            }
            Matcher h = HASHED_SUBPLAN.matcher(line);
            while (h.find()) {
                hashed.add(h.group(1));
            }
        }
        plans.removeAll(hashed);
        return !plans.isEmpty();
    }

    /** Parts of a list of quoted identifiers separated by {@code separator} outside quotes. */
    static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }
}
