package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The same schema and data in one plain PostgreSQL and, through pgsteer, in three shards; every
 * statement of {@code sharding/corpus.sql} runs both ways, in order, and must give the same result
 * rows (sorted when the statement has no top-level ORDER BY), update count or SQLSTATE. The corpus
 * runs once in the simple query protocol and once in the extended one, each time on freshly loaded
 * data; its {@code -- params:} statements run as PreparedStatements.
 *
 * <p>Multi-shard merging (ORDER BY, LIMIT, aggregates, GROUP BY, DISTINCT without a shard key) is
 * being built: while {@link #MERGE_PENDING}, statements tagged {@code -- needs: merge} that pgsteer
 * refuses with 0A000 are reported as expected refusals. Run with {@code -Dpgsteer.merge=done} to
 * compare them like the rest.
 */
class ShardingDifferentialIT {
    static final boolean MERGE_PENDING = "pending".equals(System.getProperty("pgsteer.merge", "done"));

    static final String SCHEMA = """
            CREATE TABLE orders (id bigint, customer_id bigint NOT NULL, status text, total numeric(10,2), currency text,
                                 created date, PRIMARY KEY (customer_id, id));
            CREATE TABLE items (order_id bigint, customer_id bigint NOT NULL, line int, sku text, qty int, price numeric(10,2),
                                PRIMARY KEY (customer_id, order_id, line));
            CREATE TABLE regions (region text, country text, name text, population int, PRIMARY KEY (region, country));
            CREATE TABLE events (id int, day date NOT NULL, kind text, customer_id bigint, amount int);
            CREATE TABLE currencies (code text PRIMARY KEY, rate numeric(10,4), name text);
            CREATE TABLE audit (id int PRIMARY KEY, message text)
            """;

    static ShardedCluster cluster;
    static EmbeddedBackend plain;
    static List<Entry> corpus;

    @BeforeAll
    static void start() throws Exception {
        corpus = Entry.parse(resource("/sharding/corpus.sql"));
        cluster = ShardedCluster.start();
        plain = EmbeddedBackend.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        if (plain != null) {
            plain.close();
        }
    }

    enum Side { PLAIN, PGSTEER }

    enum Verdict { SAME, EXPECTED_REFUSAL, REFUSED_BY_DESIGN, KNOWN, KNOWN_NOW_SAME, DIFFERENT }

    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"simple", "extended"})
    void everyCorpusStatementGivesTheSameAnswerThroughPgsteerAsFromOnePostgresql(String mode) throws Exception {
        Map<Verdict, List<String>> verdicts = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            verdicts.put(v, new ArrayList<>());
        }
        Map<String, int[]> byGroup = new LinkedHashMap<>();
        try (Connection direct = connect(Side.PLAIN, mode); Connection proxied = connect(Side.PGSTEER, mode)) {
            load(direct);
            load(proxied);
            for (Entry entry : corpus) {
                List<String> expected = isolated(direct, entry);
                List<String> actual = isolated(proxied, entry);
                Verdict verdict = verdict(entry, mode, expected, actual);
                String line = "line " + entry.line + ": " + entry.sql.replace('\n', ' ');
                if (verdict != Verdict.SAME) {
                    line += "\n    plain:   " + abbreviate(expected) + "\n    pgsteer: " + abbreviate(actual)
                            + (entry.known != null ? "\n    known: " + entry.known : "");
                }
                verdicts.get(verdict).add(line);
                int[] counts = byGroup.computeIfAbsent(entry.group, g -> new int[2]);
                counts[0]++;
                counts[1] += verdict == Verdict.SAME || verdict == Verdict.REFUSED_BY_DESIGN ? 1 : 0;
            }
        }
        StringBuilder report = new StringBuilder(getClass().getSimpleName() + ", preferQueryMode=" + mode + ", "
                + corpus.size() + " statements, merge " + (MERGE_PENDING ? "pending" : "done") + "\n");
        verdicts.forEach((verdict, lines) -> report.append(String.format(Locale.ROOT, "  %-18s %d%n", verdict, lines.size())));
        byGroup.forEach((group, counts) -> report.append(String.format(Locale.ROOT, "  group %-45s %d of %d agree%n",
                group, counts[1], counts[0])));
        for (Verdict verdict : List.of(Verdict.EXPECTED_REFUSAL, Verdict.KNOWN, Verdict.KNOWN_NOW_SAME, Verdict.DIFFERENT)) {
            for (String line : verdicts.get(verdict)) {
                report.append(verdict == Verdict.EXPECTED_REFUSAL ? "expected refusal (merge pending): " : verdict + ": ")
                        .append(verdict == Verdict.EXPECTED_REFUSAL ? line.lines().findFirst().orElse(line) : line).append('\n');
            }
        }
        System.out.println(report);
        assertTrue(verdicts.get(Verdict.DIFFERENT).isEmpty(), report.toString());
    }

    private static Verdict verdict(Entry entry, String mode, List<String> expected, List<String> actual) {
        if (entry.refused != null && (entry.refusedOnlyIn == null || entry.refusedOnlyIn.equals(mode))) {
            return actual.equals(List.of("error " + entry.refused)) ? Verdict.REFUSED_BY_DESIGN : Verdict.DIFFERENT;
        }
        if (expected.equals(actual)) {
            return entry.known != null ? Verdict.KNOWN_NOW_SAME : Verdict.SAME;
        }
        if (entry.needsMerge && MERGE_PENDING && actual.equals(List.of("error 0A000"))) {
            return Verdict.EXPECTED_REFUSAL;
        }
        return entry.known != null ? Verdict.KNOWN : Verdict.DIFFERENT;
    }

    // --- running one statement ---

    /**
     * Runs a statement; one that is known to differ or that pgsteer refuses runs in a transaction
     * rolled back after it, so that its difference does not spread to the statements after it.
     */
    static List<String> isolated(Connection c, Entry entry) throws SQLException {
        if (entry.known == null && entry.refused == null) {
            return run(c, entry);
        }
        c.setAutoCommit(false);
        try {
            return run(c, entry);
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    /** What one statement gave: its rows (a header of column labels, then one line per row), its count, or its SQLSTATE. */
    static List<String> run(Connection c, Entry entry) {
        try {
            if (entry.copyData != null) {
                return List.of("copied " + copyApi(c).copyIn(entry.sql, new StringReader(entry.copyData)));
            }
            if (entry.sql.regionMatches(true, 0, "COPY", 0, 4)) {
                StringWriter out = new StringWriter();
                copyApi(c).copyOut(entry.sql, out);
                List<String> lines = new ArrayList<>(out.toString().lines().toList());
                if (!entry.ordered) {
                    lines.sort(null);
                }
                lines.addFirst("copied out " + lines.size() + " lines");
                return lines;
            }
            if (entry.params != null) {
                try (PreparedStatement p = c.prepareStatement(entry.sql)) {
                    for (int i = 0; i < entry.params.size(); i++) {
                        bind(c, p, i + 1, entry.params.get(i));
                    }
                    return results(p, p.execute(), entry.ordered);
                }
            }
            try (Statement s = c.createStatement()) {
                return results(s, s.execute(entry.sql), entry.ordered);
            }
        } catch (SQLException e) {
            return List.of("error " + e.getSQLState());
        } catch (IOException e) {
            return List.of("copy failed: " + e.getMessage());
        }
    }

    private static List<String> results(Statement s, boolean isResultSet, boolean ordered) throws SQLException {
        List<String> seen = new ArrayList<>();
        boolean rows = isResultSet;
        while (true) {
            if (rows) {
                try (ResultSet rs = s.getResultSet()) {
                    seen.addAll(rows(rs, ordered));
                }
            } else {
                int count = s.getUpdateCount();
                if (count == -1) {
                    return seen;
                }
                seen.add("count " + count);
            }
            rows = s.getMoreResults();
        }
    }

    private static List<String> rows(ResultSet rs, boolean ordered) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> header = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            header.add(md.getColumnLabel(i) + ":" + md.getColumnTypeName(i));
        }
        List<String> rows = new ArrayList<>();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            rows.add(String.join(" | ", row));
        }
        if (!ordered) {
            rows.sort(null);
        }
        rows.addFirst("columns " + String.join(", ", header) + "; " + rows.size() + " rows");
        return rows;
    }

    /** A parameter as the corpus writes it: 123 (bigint), 12.50 (numeric), 'text', date:2024-01-31, int8[]:1,2,3. */
    private static void bind(Connection c, PreparedStatement p, int index, String value) throws SQLException {
        if (value.startsWith("'") && value.endsWith("'")) {
            p.setString(index, value.substring(1, value.length() - 1));
        } else if (value.startsWith("date:")) {
            p.setObject(index, LocalDate.parse(value.substring(5)));
        } else if (value.startsWith("int8[]:")) {
            Long[] longs = Arrays.stream(value.substring(7).split(",")).map(String::trim).map(Long::valueOf).toArray(Long[]::new);
            p.setArray(index, c.createArrayOf("int8", longs));
        } else if (value.contains(".")) {
            p.setBigDecimal(index, new BigDecimal(value));
        } else {
            p.setLong(index, Long.parseLong(value));
        }
    }

    private static CopyManager copyApi(Connection c) throws SQLException {
        return c.unwrap(PGConnection.class).getCopyAPI();
    }

    private static String abbreviate(List<String> outcome) {
        String text = String.join(" / ", outcome);
        return text.length() > 600 ? text.substring(0, 600) + "..." : text;
    }

    // --- connections and data ---

    static Connection connect(Side side, String mode) throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", mode);
        if (side == Side.PGSTEER) {
            return cluster.connect(props);
        }
        props.setProperty("user", EmbeddedBackend.USER);
        props.setProperty("password", EmbeddedBackend.PASSWORD);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + plain.port() + "/" + EmbeddedBackend.DATABASE, props);
    }

    static final String[] STATUSES = {"new", "paid", "shipped", "cancelled"};
    static final String[] CURRENCIES = {"EUR", "USD", "GBP", "JPY"};
    static final String[] KINDS = {"login", "view", "cart", "buy", "refund"};
    static final LocalDate START = LocalDate.of(2023, 1, 1);

    /**
     * Creates the tables afresh (so that nothing of an earlier pass remains, indexes included) and
     * fills them with the same rows on both sides: 300 orders of 60
     * customers with one to three items each, 14 countries in three regions, 400 events from 2023
     * to 2027 (over all three day ranges), five currencies and a few audit lines.
     */
    static void load(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String table : List.of("orders", "items", "regions", "events", "currencies", "audit", "scratch")) {
                s.execute("DROP TABLE IF EXISTS " + table);
            }
            for (String ddl : SCHEMA.split(";")) {
                s.execute(ddl);
            }
            insert(s, "orders (id, customer_id, status, total, currency, created)", 300, n -> {
                int i = n + 1;
                String currency = i % 29 == 0 ? "NULL" : "'" + CURRENCIES[i % 4] + "'";
                return String.format(Locale.ROOT, "(%d, %d, '%s', %d.%02d, %s, '%s')", i, (i * 7) % 60 + 1,
                        STATUSES[(i * 3 + i / 7) % 4], (i * 37) % 500, (i * 13) % 100, currency, START.plusDays(i * 4L));
            });
            List<String> items = new ArrayList<>();
            for (int i = 1; i <= 300; i++) {
                for (int line = 1; line <= i % 3 + 1; line++) {
                    items.add(String.format(Locale.ROOT, "(%d, %d, %d, 'SKU-%d', %d, %d.%02d)", i, (i * 7) % 60 + 1, line,
                            (i * line * 13) % 40 + 1, (i + line) % 5 + 1, (i * line) % 90 + 5, (i * 7 + line) % 100));
                }
            }
            insert(s, "items (order_id, customer_id, line, sku, qty, price)", items.size(), items::get);
            s.executeUpdate("""
                    INSERT INTO regions (region, country, name, population) VALUES
                    ('eu', 'de', 'Germany', 83), ('eu', 'fr', 'France', 68), ('eu', 'it', 'Italy', 59), ('eu', 'es', 'Spain', 48),
                    ('eu', 'nl', 'Netherlands', 18), ('us', 'us', 'United States', 333), ('us', 'ca', 'Canada', 39),
                    ('us', 'mx', 'Mexico', 128), ('us', 'br', 'Brazil', 216), ('apac', 'jp', 'Japan', 125),
                    ('apac', 'au', 'Australia', 26), ('apac', 'sg', 'Singapore', 6), ('apac', 'in', 'India', 1428),
                    ('apac', 'kr', 'Korea', 52)""");
            insert(s, "events (id, day, kind, customer_id, amount)", 400, n -> {
                int i = n + 1;
                return String.format(Locale.ROOT, "(%d, '%s', '%s', %d, %d)", i, START.plusDays(i * 4L), KINDS[i % 5],
                        (i * 11) % 60 + 1, (i * 17) % 100);
            });
            s.executeUpdate("""
                    INSERT INTO currencies (code, rate, name) VALUES ('EUR', 1.0000, 'Euro'), ('USD', 1.0850, 'US dollar'),
                    ('GBP', 0.8600, 'Pound sterling'), ('JPY', 162.5000, 'Yen'), ('CHF', 0.9500, 'Swiss franc')""");
            s.executeUpdate("""
                    INSERT INTO audit (id, message) VALUES (1, 'created'), (2, 'loaded'), (3, 'checked'), (4, 'indexed'), (5, 'ready')""");
            // Row estimates in the catalog, as a running database has them: the coordinator step then
            // pulls a larger table only for the key values of a smaller one it joins (KeyLists).
            s.execute("ANALYZE");
        }
    }

    /** Multi-row INSERTs of 50 rows each: pgsteer splits each by shard key. */
    private static void insert(Statement s, String into, int count, IntFunction<String> row) throws SQLException {
        for (int from = 0; from < count; from += 50) {
            StringBuilder sql = new StringBuilder("INSERT INTO ").append(into).append(" VALUES ");
            for (int n = from; n < Math.min(count, from + 50); n++) {
                sql.append(n > from ? ", " : "").append(row.apply(n));
            }
            s.executeUpdate(sql.toString());
        }
    }

    static String resource(String name) {
        try (InputStream in = ShardingDifferentialIT.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- the corpus ---

    /** One statement of the corpus, with its tags. */
    record Entry(int line, String group, String sql, boolean ordered, boolean needsMerge, String refused, String refusedOnlyIn,
                 String known, List<String> params, String copyData) {

        /**
         * Reads the corpus: statements end with ';' at the end of a line; '-- == name ==' starts a
         * group; '-- needs: merge', '-- refused: SQLSTATE [simple | extended]', '-- known: reason' and '-- params: a | b'
         * tag the next statement; a COPY ... FROM STDIN is followed by its data up to a line '\.'.
         */
        static List<Entry> parse(String text) {
            List<Entry> entries = new ArrayList<>();
            String group = "(none)";
            boolean needsMerge = false;
            String refused = null;
            String refusedOnlyIn = null;
            String known = null;
            List<String> params = null;
            StringBuilder sql = new StringBuilder();
            int start = 0;
            String[] lines = text.split("\n", -1);
            for (int n = 0; n < lines.length; n++) {
                String line = lines[n];
                String trimmed = line.strip();
                if (sql.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("--"))) {
                    if (trimmed.startsWith("-- ==")) {
                        group = trimmed.replace("=", "").substring(2).strip();
                    } else if (trimmed.startsWith("-- needs:")) {
                        needsMerge = trimmed.endsWith("merge");
                    } else if (trimmed.startsWith("-- refused:")) {
                        String[] words = trimmed.substring("-- refused:".length()).strip().split("\\s+");
                        refused = words[0];
                        refusedOnlyIn = words.length > 1 && (words[1].equals("simple") || words[1].equals("extended")) ? words[1] : null;
                    } else if (trimmed.startsWith("-- known:")) {
                        known = trimmed.substring("-- known:".length()).strip();
                    } else if (trimmed.startsWith("-- params:")) {
                        params = Arrays.stream(trimmed.substring("-- params:".length()).split("\\|")).map(String::strip).toList();
                    }
                    continue;
                }
                if (sql.isEmpty()) {
                    start = n + 1;
                }
                sql.append(sql.isEmpty() ? "" : "\n").append(line);
                if (!trimmed.endsWith(";")) {
                    continue;
                }
                String statement = sql.toString().strip();
                statement = statement.substring(0, statement.length() - 1);
                String copyData = null;
                if (statement.regionMatches(true, 0, "COPY", 0, 4) && statement.toUpperCase(Locale.ROOT).contains("FROM STDIN")) {
                    StringBuilder data = new StringBuilder();
                    while (!lines[++n].equals("\\.")) {
                        data.append(lines[n]).append('\n');
                    }
                    copyData = data.toString();
                }
                entries.add(new Entry(start, group, statement, hasTopLevelOrderBy(statement), needsMerge, refused, refusedOnlyIn, known,
                        params, copyData));
                sql.setLength(0);
                needsMerge = false;
                refused = null;
                refusedOnlyIn = null;
                known = null;
                params = null;
            }
            return entries;
        }

        /** Whether ORDER BY appears outside parentheses and quotes, after the first opening one for COPY (query). */
        static boolean hasTopLevelOrderBy(String sql) {
            String upper = sql.toUpperCase(Locale.ROOT);
            int base = upper.startsWith("COPY (") ? 1 : 0;
            int depth = 0;
            boolean quoted = false;
            for (int i = 0; i < upper.length(); i++) {
                char ch = upper.charAt(i);
                if (ch == '\'') {
                    quoted = !quoted;
                } else if (!quoted && ch == '(') {
                    depth++;
                } else if (!quoted && ch == ')') {
                    depth--;
                } else if (!quoted && depth == base && upper.startsWith("ORDER BY", i)) {
                    return true;
                }
            }
            return false;
        }
    }
}
