package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.PulledTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The statements that pull one sharded table into the coordinator, narrowed as the router's
 * {@link PulledTable} allows once the table's real columns are known (read from the coordinator's
 * catalog): the columns the statement may name, and the pushed conditions whose bare column names
 * are all the table's. With every column, the temporary table is shaped {@code LIKE} the real one
 * (generated columns and all, so {@code SELECT *} reads the same); with some, it is made from the
 * chosen columns (same types, type modifiers and collations, since they are plain column references).
 *
 * <p>A pushed condition that holds the client's parameters cannot be written into pgsteer's own
 * COPY text: then every other shard runs {@link #withParameters} instead, the SELECT as an
 * extended-protocol query with the client's parameter types and values ({@link GatherPull} feeds its
 * DataRows to the coordinator's COPY), and the coordinator shard's own rows are filled after the
 * create by the same INSERT ... SELECT as an extended-protocol query ({@link LocalFill}), not with
 * the create ({@link CoordinatorSql#createAndFillLocally} leaves that table empty).
 *
 * @param create         makes the ON COMMIT DROP temporary table
 * @param fillLocally    fills it with the coordinator shard's own rows
 * @param copyOut        what every other shard runs: its rows, in binary
 * @param copyIn         what the coordinator runs to take one shard's rows
 * @param withParameters when not null, what every other shard runs in place of {@code copyOut}
 */
public record PullStatements(String create, String fillLocally, String copyOut, String copyIn, ParameterizedRows withParameters,
                             Map<String, PullStatements> byShard) {

    public PullStatements {
        byShard = Map.copyOf(byShard);
    }

    public PullStatements(String create, String fillLocally, String copyOut, String copyIn, ParameterizedRows withParameters) {
        this(create, fillLocally, copyOut, copyIn, withParameters, Map.of());
    }

    /**
     * These statements, with {@code byShard}'s in place of them for the shards it names: the same
     * table pulled with conditions of a shard's own (rows it holds that are not routing's: {@link HiddenRows}).
     */
    public PullStatements withShards(Map<String, PullStatements> byShard) {
        return new PullStatements(create, fillLocally, copyOut, copyIn, withParameters, byShard);
    }

    /**
     * A shard's rows by a SELECT whose conditions hold client parameters, renumbered $1, $2, ... in
     * the order of their first use: {@code originals[k - 1]} is the client's number of {@code $k}.
     */
    public record ParameterizedRows(String sql, String fillLocally, int[] originals, PullParameters parameters) {
    }

    /** A pull whose conditions hold no client parameter. */
    public PullStatements(String create, String fillLocally, String copyOut, String copyIn) {
        this(create, fillLocally, copyOut, copyIn, null);
    }

    /** The pull without the client's parameters: conditions that hold them stay behind (the simple protocol has none). */
    public static PullStatements of(PulledTable pull, String qualified, String temporary, List<String> columns) {
        return of(pull, qualified, temporary, columns, null);
    }

    /**
     * @param qualified  the table's schema-qualified quoted name, read before the temporary table existed
     * @param temporary  the temporary table's quoted name (the table's own name, which it shadows)
     * @param columns    the table's columns in order, as the catalog spells them
     * @param parameters the client's parameters, or null when there are none to bind
     */
    public static PullStatements of(PulledTable pull, String qualified, String temporary, List<String> columns,
                                    PullParameters parameters) {
        return of(pull, qualified, temporary, columns, parameters, List.of());
    }

    /**
     * As {@link #of(PulledTable, String, String, List, PullParameters)}, the rows also meeting {@code
     * keys}: conditions of pgsteer's own over the table's plain column names ({@link KeyLists}).
     */
    public static PullStatements of(PulledTable pull, String qualified, String temporary, List<String> columns,
                                    PullParameters parameters, List<String> keys) {
        if (pull != null && pull.identifiers() != null && columns.isEmpty()) {
            throw new IllegalArgumentException("the columns of " + qualified + " are needed to narrow its pull");
        }
        List<String> chosen = chosen(pull, columns);
        boolean every = chosen.size() == columns.size();
        String list = chosen.stream().map(PullStatements::quoted).collect(Collectors.joining(", "));
        String select = "SELECT " + (every ? "*" : list) + " FROM " + qualified + from(pull);
        Map<Integer, Integer> numbers = new LinkedHashMap<>();
        String rows = select + where(pull, columns, null, numbers, keys);
        String withParameters = select + where(pull, columns, parameters, numbers, keys);
        String create = every
                ? "CREATE TEMP TABLE " + temporary + " (LIKE " + qualified + ") ON COMMIT DROP"
                : "CREATE TEMP TABLE " + temporary + " ON COMMIT DROP AS SELECT " + list + " FROM " + qualified + " WITH NO DATA";
        String target = "pg_temp." + temporary + (every ? "" : " (" + list + ")");
        ParameterizedRows parameterized = numbers.isEmpty() ? null
                : new ParameterizedRows(withParameters, "INSERT INTO " + target + " " + withParameters, numbers.keySet().stream().mapToInt(Integer::intValue).toArray(), parameters);
        return new PullStatements(create, "INSERT INTO " + target + " " + rows,
                "COPY (" + rows + ") TO STDOUT (FORMAT binary)", "COPY " + target + " FROM STDIN (FORMAT binary)", parameterized);
    }

    /**
     * The rows a shard sends, as EXPLAIN ROUTE shows them before the table's columns are read from
     * the coordinator's catalog: the narrowed column list is described, and every pushed condition is
     * shown (at run time one whose bare names the table lacks stays behind).
     */
    public static String explainedRows(PulledTable pull, String table) {
        return explained(pull, table, null).rows();
    }

    /**
     * A pull as EXPLAIN ROUTE shows it, with the conditions on the client's parameters that running
     * would push ({@code parameters} null: none).
     */
    public static Explained explained(PulledTable pull, String table, PullParameters parameters) {
        String columns = pull.identifiers() == null ? "*" : "<the columns of " + table + " the statement names>";
        String from = pull.alias() == null || pull.filters().isEmpty() ? "" : " AS " + pull.alias();
        Map<Integer, Integer> numbers = new LinkedHashMap<>();
        String where = pull.filters().stream().map(f -> explainedFilter(f, parameters, numbers)).filter(t -> t != null)
                .collect(Collectors.joining(" AND "));
        return new Explained("SELECT " + columns + " FROM " + table + from + (where.isEmpty() ? "" : " WHERE " + where),
                numbers.keySet().stream().mapToInt(Integer::intValue).toArray());
    }

    /** A condition as EXPLAIN ROUTE shows it (the table's columns unknown yet): whole, else every group's conditions. */
    private static String explainedFilter(PulledTable.PushedFilter filter, PullParameters parameters, Map<Integer, Integer> numbers) {
        if (filter.hasWhole()) {
            return filter.parameters().isEmpty() || bindable(filter, parameters)
                    ? "(" + filter.sql(n -> numbers.computeIfAbsent(n, k -> numbers.size() + 1)) + ")" : null;
        }
        List<String> groups = new ArrayList<>();
        for (List<PulledTable.PushedFilter> group : filter.anyOf()) {
            List<String> own = group.stream().map(f -> explainedFilter(f, parameters, numbers)).filter(t -> t != null).toList();
            if (own.isEmpty()) {
                return null;
            }
            groups.add("(" + String.join(" AND ", own) + ")");
        }
        return groups.isEmpty() ? null : "(" + String.join(" OR ", groups) + ")";
    }

    /** A pull's rows as EXPLAIN ROUTE shows them, and the client's parameters they bind as $1, $2, .... */
    public record Explained(String rows, int[] originals) {
        /** What each other shard runs: a binary COPY, or the SELECT with the client's parameters. */
        public String shardRuns() {
            if (originals.length == 0) {
                return "COPY (" + rows + ") TO STDOUT (FORMAT binary)";
            }
            StringBuilder bound = new StringBuilder();
            for (int i = 0; i < originals.length; i++) {
                bound.append(i == 0 ? "" : ", ").append('$').append(i + 1).append(" = the client's $").append(originals[i]);
            }
            return rows + " -- Parse/Bind/Execute with " + bound + " (its types and values), binary rows into the COPY FROM";
        }
    }

    /** What stands for the shard's name in a locked target's {@code copyOut} until {@link #forShard} writes it. */
    private static final String SHARD_NAME = "'pgsteer:shard'";

    /**
     * The target of an UPDATE ... FROM or DELETE ... USING that pgsteer writes itself: every column,
     * plus the shard each row came from, its tableoid and its ctid, by which the write finds it again
     * on its shard (a ctid is unique in one table only: a partitioned or inherited target has several);
     * the rows locked {@code FOR UPDATE} as they are read (in the session's transaction), so that
     * nothing changes them, nor their ctid, before they are written, and a concurrent writer waits
     * as PostgreSQL's own UPDATE would make it. Narrowed by the target's own conditions only (a row
     * failing one is not written), so it locks the rows those conditions keep. The copy also has a
     * column that the coordinator's UPDATE sets in the rows it changes. {@link #forShard} gives each
     * shard its statement.
     */
    public static PullStatements lockedTarget(PulledTable pull, String qualified, String temporary, List<String> columns) {
        return lockedTarget(pull, qualified, temporary, columns, List.of());
    }

    /** As {@link #lockedTarget(PulledTable, String, String, List)}, the rows also meeting {@code keys} (pgsteer's own conditions). */
    public static PullStatements lockedTarget(PulledTable pull, String qualified, String temporary, List<String> columns,
                                              List<String> keys) {
        String list = columns.stream().map(PullStatements::quoted).collect(Collectors.joining(", "));
        String rows = "SELECT *, " + SHARD_NAME + "::pg_catalog.text, tableoid, ctid FROM " + qualified + from(pull)
                + where(pull, columns, null, new LinkedHashMap<>(), keys) + " FOR UPDATE";
        String create = "CREATE TEMP TABLE " + temporary + " (LIKE " + qualified + ") ON COMMIT DROP; ALTER TABLE pg_temp." + temporary
                + " ADD COLUMN " + JoinedWriteSql.SHARD + " pg_catalog.text, ADD COLUMN " + JoinedWriteSql.TABLEOID
                + " pg_catalog.oid, ADD COLUMN " + JoinedWriteSql.CTID + " pg_catalog.tid, ADD COLUMN "
                + Placement.JoinedWrite.WRITTEN + " boolean";
        return new PullStatements(create, null, "COPY (" + rows + ") TO STDOUT (FORMAT binary)", "COPY pg_temp." + temporary + " ("
                + list + ", " + JoinedWriteSql.SHARD + ", " + JoinedWriteSql.TABLEOID + ", " + JoinedWriteSql.CTID
                + ") FROM STDIN (FORMAT binary)");
    }

    /**
     * What {@code shard} runs: a locked target's rows carry the shard's name (the first occurrence of
     * the stand-in is always in the select list, before any condition the client wrote).
     */
    public PullStatements forShard(String shard) {
        PullStatements own = byShard.get(shard);
        if (own != null) {
            return own.forShard(shard);
        }
        if (!copyOut.startsWith("COPY (SELECT *, " + SHARD_NAME)) {
            return this;
        }
        int at = copyOut.indexOf(SHARD_NAME);
        String named = copyOut.substring(0, at) + CoordinatorSql.literal(shard) + copyOut.substring(at + SHARD_NAME.length());
        return new PullStatements(create, null, named, copyIn, withParameters);
    }

    /** The whole table, every column and row: an unsharded or reference table read inside a transaction. */
    public static PullStatements whole(String qualified, String temporary) {
        return of(null, qualified, temporary, List.of());
    }

    /**
     * The column names of a list of quoted identifiers separated by commas ({@code quote_ident} of
     * each, as {@link CoordinatorSql#qualifiedNames} reads them), unquoted.
     */
    public static List<String> columns(String quotedList) {
        List<String> names = new ArrayList<>();
        if (quotedList == null || quotedList.isEmpty()) {
            return names;
        }
        StringBuilder name = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < quotedList.length(); i++) {
            char c = quotedList.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < quotedList.length() && quotedList.charAt(i + 1) == '"') {
                    name.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    name.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                names.add(name.toString());
                name.setLength(0);
            } else {
                name.append(c);
            }
        }
        names.add(name.toString());
        return names;
    }

    /** The columns of {@code columns} (the table's, in order) that {@code pull} takes into the temporary table. */
    public static List<String> pulledColumns(PulledTable pull, List<String> columns) {
        return chosen(pull, columns);
    }

    /** The columns to pull, in the table's order; at least one, so that the table has rows to count. */
    private static List<String> chosen(PulledTable pull, List<String> columns) {
        if (pull == null || pull.identifiers() == null) {
            return columns;
        }
        List<String> chosen = new ArrayList<>();
        for (String column : columns) {
            if (pull.identifiers().contains(column)) {
                chosen.add(column);
            }
        }
        return chosen.isEmpty() ? columns.subList(0, Math.min(1, columns.size())) : chosen;
    }

    private static String from(PulledTable pull) {
        return pull == null || pull.alias() == null || pull.filters().isEmpty() ? "" : " AS " + pull.alias();
    }

    /**
     * {@code EXISTS} of a co-located source's rows joining the pulled table on both shard keys, with
     * the source's own conditions that hold no client parameter ({@link KeyLists#semiJoins}).
     *
     * @param receiver       the pulled table's pull, and its quoted temporary (= relation) name, to name its row
     * @param column         the pulled table's key column
     * @param source         the source's pull, schema-qualified name, columns and alias in the statement (folded)
     * @param sourceColumn   the source's key column
     * @param sourceKeys     the source's own key-list conditions ({@link KeyLists}), over its plain column names
     */
    public static String exists(PulledTable receiver, String temporary, String column, PulledTable source, String qualified,
                                List<String> sourceColumns, String sourceAlias, String sourceColumn, List<String> sourceKeys) {
        String row = receiver != null && receiver.alias() != null && !receiver.filters().isEmpty() ? receiver.alias() : temporary;
        String alias = quoted(sourceAlias);
        List<String> kept = new ArrayList<>();
        kept.add(alias + "." + quoted(sourceColumn) + " = " + row + "." + quoted(column));
        if (source != null) {
            for (PulledTable.PushedFilter filter : source.filters()) {
                String text = pushed(filter, sourceColumns, null, new LinkedHashMap<>());
                if (text != null) {
                    kept.add(text);
                }
            }
        }
        sourceKeys.forEach(key -> kept.add("(" + key + ")"));
        return "EXISTS (SELECT 1 FROM " + qualified + " AS " + alias + " WHERE " + String.join(" AND ", kept) + ")";
    }

    /**
     * {@code EXISTS} of the pulled table's own rows with the same shard key ({@code column}) that meet
     * {@code conditions} (over bare column names, which name the EXISTS's row): {@link KeyLists#sameKey}.
     */
    public static String sameKeyExists(PulledTable receiver, String temporary, String qualified, String column, List<String> conditions) {
        String row = receiver != null && receiver.alias() != null && !receiver.filters().isEmpty() ? receiver.alias() : temporary;
        String alias = quoted("pgsteer_same");
        StringBuilder sql = new StringBuilder("EXISTS (SELECT 1 FROM ").append(qualified).append(" AS ").append(alias).append(" WHERE ")
                .append(alias).append('.').append(quoted(column)).append(" = ").append(row).append('.').append(quoted(column));
        conditions.forEach(c -> sql.append(" AND (").append(c).append(')'));
        return sql.append(')').toString();
    }

    /**
     * The conditions among {@code filters} that a table of {@code columns} can run, without client
     * parameters (a local key source's, {@link KeyLists.Local}, read by pgsteer's own query).
     */
    public static List<String> conditions(List<PulledTable.PushedFilter> filters, List<String> columns) {
        List<String> kept = new ArrayList<>();
        for (PulledTable.PushedFilter filter : filters) {
            String text = pushed(filter, columns, null, new LinkedHashMap<>());
            if (text != null) {
                kept.add(text);
            }
        }
        return kept;
    }

    /** Whether the pull of {@code pull} pushes any condition of the statement's (with {@code parameters}, those on them too). */
    public static boolean pushesConditions(PulledTable pull, List<String> columns, PullParameters parameters) {
        return !where(pull, columns, parameters, new LinkedHashMap<>(), List.of()).isEmpty();
    }

    /**
     * The pushed conditions, AND-ed: those that hold client parameters only with {@code parameters},
     * renumbered into {@code numbers} (client number to the pulled statement's, in order of first use),
     * then {@code keys}.
     */
    private static String where(PulledTable pull, List<String> columns, PullParameters parameters, Map<Integer, Integer> numbers,
                                List<String> keys) {
        List<String> kept = new ArrayList<>();
        if (pull != null) {
            for (PulledTable.PushedFilter filter : pull.filters()) {
                Map<Integer, Integer> tried = new LinkedHashMap<>(numbers);
                String text = pushed(filter, columns, parameters, tried);
                if (text != null) {
                    numbers.putAll(tried);
                    kept.add(text);
                }
            }
        }
        keys.forEach(key -> kept.add("(" + key + ")"));
        return kept.isEmpty() ? "" : " WHERE " + String.join(" AND ", kept);
    }

    /**
     * The condition's SQL as the table can run it, or null. Whole when every bare name is the table's
     * (a bare name it lacks belongs to another table or an outer query) and its parameters can be
     * bound; else, for an OR of AND-groups, the OR of each group's conditions that the table can
     * run, when every group has one.
     */
    private static String pushed(PulledTable.PushedFilter filter, List<String> columns, PullParameters parameters,
                                 Map<Integer, Integer> numbers) {
        if (filter.hasWhole() && columns.containsAll(filter.bareColumns())
                && (filter.parameters().isEmpty() || bindable(filter, parameters))) {
            return "(" + filter.sql(n -> numbers.computeIfAbsent(n, k -> numbers.size() + 1)) + ")";
        }
        if (filter.anyOf().isEmpty()) {
            return null;
        }
        List<String> groups = new ArrayList<>();
        for (List<PulledTable.PushedFilter> group : filter.anyOf()) {
            List<String> own = new ArrayList<>();
            for (PulledTable.PushedFilter part : group) {
                String text = pushed(part, columns, parameters, numbers);
                if (text != null) {
                    own.add(text);
                }
            }
            if (own.isEmpty()) {
                return null;
            }
            groups.add("(" + String.join(" AND ", own) + ")");
        }
        return "(" + String.join(" OR ", groups) + ")";
    }

    /**
     * Whether the condition's parameters can be bound on a shard with the same meaning: each has a
     * value, and a type the client declared, or, left to the server, it occurs nowhere else in the
     * statement, so the server deduces it from this same condition over the same column types (used
     * elsewhere too, the statement may have deduced it from another use first).
     */
    private static boolean bindable(PulledTable.PushedFilter filter, PullParameters parameters) {
        if (parameters == null) {
            return false;
        }
        for (int n : filter.parameters()) {
            if (!parameters.bound(n) || parameters.type(n) == 0 && !filter.onlyHere().contains(n)) {
                return false;
            }
        }
        return true;
    }

    static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
