package dev.pgsteer.router;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.analysis.StatementAnalyzer;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.ArrayValues;
import dev.pgsteer.router.plan.KeyCondition;
import dev.pgsteer.router.plan.KeyPlacer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.MergePlan;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.plan.ValueRef;
import dev.pgsteer.router.shard.ChoosingKeyPlacer;
import dev.pgsteer.router.shard.ShardChooser;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.Values;

/**
 * Routes the statements of one sharded logical database. {@link #analysis} turns a statement's shape
 * into an {@link Analysis} (JSQLParser runs once per distinct shape; the result is cached);
 * {@link #resolve} applies the key values of one execution and gives its {@link Route}.
 */
public final class ShardRouter {
    private static final Pattern PLACEHOLDER = Pattern.compile("(?<![\\w$])\\$(\\d+)");

    private final DatabaseConfig database;
    private final KeyPlacer placer;
    private final StatementAnalyzer analyzer;
    private final int capacity;
    private final ConcurrentHashMap<String, Analysis> cache = new ConcurrentHashMap<>();
    /** Lookups by {@link #cached}: a plain count for metrics, read by whoever exports them (the router knows no registry). */
    private final LongAdder cacheHits;
    private final LongAdder cacheMisses;

    public ShardRouter(DatabaseConfig database, KeyPlacer placer, int capacity) {
        this(database, placer, capacity, new LongAdder(), new LongAdder());
    }

    private ShardRouter(DatabaseConfig database, KeyPlacer placer, int capacity, LongAdder hits,
                        LongAdder misses) {
        this.database = database;
        this.placer = placer;
        this.analyzer = new StatementAnalyzer(database);
        this.capacity = capacity;
        this.cacheHits = hits;
        this.cacheMisses = misses;
    }

    /**
     * A router for the database's new configuration (a key type learned), with an empty plan cache:
     * plans hold the tables as they were. The cache's counts go on, so metrics never run backwards.
     */
    public ShardRouter reconfigured(DatabaseConfig newDatabase) {
        return new ShardRouter(newDatabase, new ChoosingKeyPlacer(
                new ShardChooser(newDatabase)), capacity, cacheHits, cacheMisses);
    }

    /** A router for {@code database} with its real sharding functions. */
    public static ShardRouter of(DatabaseConfig database, int capacity) {
        return new ShardRouter(database, new ChoosingKeyPlacer(
                new ShardChooser(database)), capacity);
    }

    /** The position in the database's shards of the one holding {@code table}'s rows with this key (COPY rows, routing hints). */
    public int shardIndex(TableConfig.Sharded table, KeySource value) throws RoutingException {
        return placer.shardIndex(table, value);
    }

    public DatabaseConfig database() {
        return database;
    }

    /** The cached analysis of the statement's shape, or null when it must be computed (off the event loop). */
    public Analysis cached(LexedStatement statement) {
        Analysis cached = cache.get(statement.shape());
        (cached != null ? cacheHits : cacheMisses).increment();
        return cached;
    }

    /** Lookups by {@link #cached} that found the shape's plan. */
    public long planCacheHits() {
        return cacheHits.sum();
    }

    /** Lookups by {@link #cached} that did not: the statement is planned with JSQLParser. */
    public long planCacheMisses() {
        return cacheMisses.sum();
    }

    /** Shapes cached now (at most the capacity). */
    public int planCacheSize() {
        return cache.size();
    }

    /** The statement's analysis: from the cache, else parsed now. JSQLParser is slow: call this off the event loop. */
    public Analysis analysis(LexedStatement statement) {
        Analysis cached = cache.get(statement.shape());
        if (cached != null) {
            return cached;
        }
        Statement parsed = parse(statement.shape());
        if (parsed != null) {
            Analysis analysis = analyzer.analyze(parsed);
            remember(statement.shape(), analysis);
            return analysis;
        }
        // The shape may not parse where the text does (a typed literal: DATE '2025-01-01').
        Statement original = parse(statement.text());
        return original != null ? analyzer.analyze(original) : unparsed(statement);
    }

    private static Statement parse(String sql) {
        try {
            return CCJSqlParserUtil.parse(sql);
        } catch (JSQLParserException | RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    private void remember(String shape, Analysis analysis) {
        if (cache.size() >= capacity) {
            // Drop an arbitrary tenth: cheaper than ordering every hit, and shapes are few in practice.
            Iterator<String> it = cache.keySet().iterator();
            for (int i = 0; i < Math.max(1, capacity / 10) && it.hasNext(); i++) {
                it.next();
                it.remove();
            }
        }
        cache.put(shape, analysis);
    }

    /** A statement JSQLParser cannot read: the default shard, unless it names a table of the shard map. */
    private Analysis unparsed(LexedStatement statement) {
        String lower = " " + statement.shape().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_$]+", " ") + " ";
        String first = statement.firstKeyword();
        boolean ddl = List.of("CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE").contains(first);
        for (TableConfig table : database.tables().values()) {
            if (lower.contains(" " + table.name() + " ") && ddl) {
                return new Analysis(StatementKind.DDL, new Placement.AllShards("DDL naming " + table.name()
                        + " is applied to every shard", Answer.MIRROR), null, null);
            }
            if (lower.contains(" " + table.name() + " ")) {
                return Analysis.refused("0A000", "pgsteer cannot parse this statement, which names "
                        + (table instanceof TableConfig.Sharded ? "sharded" : "reference") + " table " + table.name()
                        + ", so it cannot tell where it must run; add a routing comment (/* shard=NAME */) to send it to one shard");
            }
        }
        if (ddl && lower.matches(" (create|alter|drop|comment on) (or replace )?(type|extension|function|procedure|schema|domain|collation|operator|aggregate|cast) .*")) {
            return new Analysis(StatementKind.DDL, new Placement.AllShards(first + " is applied to every shard", Answer.MIRROR), null, null);
        }
        return new Analysis(StatementKind.READ, new Placement.DefaultShard("not parsed; names no sharded table"), null, null);
    }

    /**
     * The shards this execution of the statement runs on. {@code bind} gives the statement's own
     * parameters; the lexer's literals fill the placeholders after them. {@code held} are shards the
     * session's transaction already uses (reads of reference tables prefer them).
     */
    public Route resolve(Analysis analysis, LexedStatement statement, KeySource.Placeholders bind, Collection<String> held)
            throws RoutingException {
        KeySource.Placeholders values = number -> number <= statement.parameterCount()
                ? bind.value(number)
                : KeySource.text(statement.literals().get(number - statement.parameterCount() - 1));
        String forced = statement.hints().get("shard");
        if (forced != null) {
            if (!database.shards().contains(forced)) {
                throw new RoutingException("22023", "routing comment names shard " + forced + ", which database "
                        + database.name() + " does not have; its shards are " + String.join(", ", database.shards()));
            }
            return new Route(List.of(forced), Answer.ONE, analysis.kind(), "routing comment shard=" + forced, Map.of(), null);
        }
        String key = statement.hints().get("key");
        return switch (analysis.placement()) {
            case Placement.Refused refused -> throw new RoutingException(refused.sqlState(), refused.message());
            case Placement.DefaultShard d -> Route.one(database.defaultShard(), analysis.kind(), d.why());
            case Placement.AnyShard any -> Route.one(held.isEmpty() ? database.defaultShard() : held.iterator().next(),
                    analysis.kind(), any.why());
            case Placement.AllShards all -> everyShard(all, analysis, statement);
            case Placement.ByKey byKey -> key != null ? byHint(analysis, byKey, key) : byKey(analysis, byKey, statement, values);
            case Placement.InsertRows rows -> key != null
                    ? byHint(analysis, new Placement.ByKey(List.of(new Placement.KeyGroup(List.of(
                            new Placement.Member(rows.table(), KeyCondition.ANY)))), null, true), key)
                    : insert(analysis, rows, statement, values);
        };
    }

    /** Every shard, the default one first: with MIRROR, its answer is the one the client sees. */
    private Route everyShard(Placement.AllShards all, Analysis analysis, LexedStatement statement) {
        List<String> shards = new ArrayList<>(database.shards());
        Map<String, String> texts = Map.of();
        if (all.answer() == Answer.MIRROR) {
            shards.remove(database.defaultShard());
            shards.addFirst(database.defaultShard());
        }
        if (all.ifExistsOffDefault()) {
            String elsewhere = statement.text().replaceFirst("(?is)^(\\s*DROP\\s+INDEX\\s+(?:CONCURRENTLY\\s+)?)", "$1IF EXISTS ");
            Map<String, String> byShard = new LinkedHashMap<>();
            shards.stream().filter(s -> !s.equals(database.defaultShard())).forEach(s -> byShard.put(s, elsewhere));
            texts = byShard;
        }
        return new Route(shards, all.answer(), analysis.kind(), all.why(), texts, null);
    }

    private Route byHint(Analysis analysis, Placement.ByKey byKey, String key) throws RoutingException {
        TableConfig.Sharded table = byKey.groups().getFirst().members().getFirst().table();
        String shard = database.shards().get(placer.shardIndex(table, KeySource.text(key)));
        return Route.one(shard, analysis.kind(), "routing comment key=" + key + " for " + table.name());
    }

    private Route byKey(Analysis analysis, Placement.ByKey byKey, LexedStatement statement, KeySource.Placeholders values)
            throws RoutingException {
        BitSet target = null;
        List<BitSet> groupShards = new ArrayList<>();
        for (Placement.KeyGroup group : byKey.groups()) {
            BitSet shards = null;
            for (Placement.Member member : group.members()) {
                shards = intersect(shards, shardsOf(member.table(), member.condition(), values));
            }
            groupShards.add(shards);
        }
        int all = database.shards().size();
        if (groupShards.size() > 1) {
            // Tables not joined on their keys can be answered only where every one is on the same shard.
            BitSet first = groupShards.getFirst();
            for (BitSet shards : groupShards) {
                if (shards == null || shards.cardinality() != 1 || !shards.equals(first)) {
                    throw new RoutingException("0A000", "tables " + String.join(" and ",
                            byKey.groups().stream().map(Placement.KeyGroup::tables).toList())
                            + " are not joined on their shard keys, and their rows are on different shards; "
                            + "join sharded tables on their keys (co-located), or give each the same key value");
                }
            }
        }
        target = groupShards.getFirst();
        String tables = byKey.groups().getFirst().tables();
        List<String> shards = new ArrayList<>();
        String why;
        if (target == null) {
            shards.addAll(database.shards());
            why = "no usable condition on the shard key of " + tables + ": every shard";
        } else if (target.isEmpty()) {
            // The conditions exclude every shard (key = NULL, contradictory values): any shard answers "no rows".
            shards.add(database.defaultShard());
            why = "the key conditions on " + tables + " match no shard";
        } else {
            target.stream().forEach(i -> shards.add(database.shards().get(i)));
            why = "shard key of " + tables;
        }
        if (byKey.defaultOnly() != null && !(shards.size() == 1 && shards.getFirst().equals(database.defaultShard()))) {
            throw new RoutingException("0A000", "the statement reads unsharded table " + byKey.defaultOnly()
                    + ", which lives on the default shard " + database.defaultShard() + " only, together with sharded "
                    + tables + " on " + String.join(", ", shards) + "; make " + byKey.defaultOnly()
                    + " a reference table, or narrow the statement to the default shard's keys");
        }
        if (shards.size() == 1) {
            return Route.one(shards.getFirst(), analysis.kind(), why);
        }
        if (!byKey.write() && analysis.multiShardRefusal() != null) {
            throw new RoutingException("0A000", "pgsteer cannot merge " + analysis.multiShardRefusal()
                    + " (tables " + tables + "); give the shard key so it runs on one shard");
        }
        MergePlan plan = byKey.write() ? null : analysis.merge();
        if (plan == null) {
            return new Route(shards, Answer.COMBINE, analysis.kind(), why, Map.of(), null);
        }
        // Every shard runs the rewritten SELECT, with the statement's literals put back as written.
        String text = withLiterals(plan.shardShape(), statement);
        Map<String, String> textByShard = new LinkedHashMap<>();
        shards.forEach(shard -> textByShard.put(shard, text));
        return new Route(shards, Answer.COMBINE, analysis.kind(), why + ", rows merged", textByShard,
                plan.resolve(values, statement.parameterCount()));
    }

    private BitSet shardsOf(TableConfig.Sharded table, KeyCondition condition, KeySource.Placeholders values) throws RoutingException {
        return switch (condition) {
            case KeyCondition.Any any -> null;
            case KeyCondition.Values v -> {
                BitSet set = new BitSet();
                for (ValueRef ref : v.values()) {
                    KeySource source = source(ref, values);
                    if (source != null) {
                        set.set(placer.shardIndex(table, source));
                    }
                }
                yield set;
            }
            case KeyCondition.ArrayOf array -> {
                KeySource source = source(array.array(), values);
                BitSet set = new BitSet();
                if (source != null) {
                    for (KeySource element : ArrayValues.elements(source)) {
                        if (element != null) {
                            set.set(placer.shardIndex(table, element));
                        }
                    }
                }
                yield set;
            }
            case KeyCondition.And and -> intersect(shardsOf(table, and.left(), values), shardsOf(table, and.right(), values));
            case KeyCondition.Or or -> {
                BitSet left = shardsOf(table, or.left(), values);
                BitSet right = shardsOf(table, or.right(), values);
                if (left == null || right == null) {
                    yield null;
                }
                left.or(right);
                yield left;
            }
        };
    }

    private static BitSet intersect(BitSet a, BitSet b) {
        if (a == null) {
            return b == null ? null : (BitSet) b.clone();
        }
        if (b == null) {
            return a;
        }
        BitSet both = (BitSet) a.clone();
        both.and(b);
        return both;
    }

    private static KeySource source(ValueRef ref, KeySource.Placeholders values) {
        return switch (ref) {
            case ValueRef.Placeholder p -> values.value(p.number());
            case ValueRef.Constant c -> KeySource.text(c.text());
            case ValueRef.Null n -> null;
        };
    }

    private Route insert(Analysis analysis, Placement.InsertRows rows, LexedStatement statement, KeySource.Placeholders values)
            throws RoutingException {
        int[] shardOfRow = new int[rows.keys().size()];
        BitSet used = new BitSet();
        for (int i = 0; i < shardOfRow.length; i++) {
            KeySource source = source(rows.keys().get(i), values);
            if (source == null) {
                throw new RoutingException("23502", "the shard key " + rows.table().key() + " of a row inserted into "
                        + rows.table().name() + " is NULL; every row of a sharded table needs a key");
            }
            shardOfRow[i] = placer.shardIndex(rows.table(), source);
            used.set(shardOfRow[i]);
        }
        String why = "shard key of " + rows.table().name();
        if (used.cardinality() == 1) {
            return Route.one(database.shards().get(used.nextSetBit(0)), StatementKind.WRITE, why);
        }
        Map<String, String> texts = new LinkedHashMap<>();
        Map<String, int[]> parameters = new LinkedHashMap<>();
        splitInsert(statement, shardOfRow).forEach((shard, split) -> {
            texts.put(shard, split.text());
            if (statement.parameterCount() > 0) {
                parameters.put(shard, split.parameters());
            }
        });
        return new Route(used.stream().mapToObj(i -> database.shards().get(i)).toList(), Answer.COMBINE, StatementKind.WRITE,
                why + ", rows split by shard", texts, null, parameters);
    }

    /** One shard's part of a split statement: its text, and which client parameter each of its {@code $k} is. */
    private record SplitText(String text, int[] parameters) {
    }

    /**
     * The INSERT's text for each shard, with only the rows that belong there, literals put back as
     * written and the client's parameters renumbered from $1 in the order they appear.
     */
    private Map<String, SplitText> splitInsert(LexedStatement statement, int[] shardOfRow) throws RoutingException {
        Map<String, SplitText> byShard = new LinkedHashMap<>();
        for (int shard = 0; shard < database.shards().size(); shard++) {
            Statement parsed = parse(statement.shape());
            if (!(parsed instanceof Insert insert) || !(insert.getSelect() instanceof Values values)) {
                throw new RoutingException("0A000", "pgsteer could not split this INSERT by shard key");
            }
            ExpressionList<?> rows = values.getExpressions();
            ExpressionList<net.sf.jsqlparser.expression.Expression> kept = new ExpressionList<>();
            for (int row = 0; row < shardOfRow.length; row++) {
                if (shardOfRow[row] == shard) {
                    kept.add((net.sf.jsqlparser.expression.Expression) rows.get(row));
                }
            }
            if (kept.isEmpty()) {
                continue;
            }
            values.setExpressions(kept);
            byShard.put(database.shards().get(shard), renumbered(insert.toString(), statement));
        }
        return byShard;
    }

    /** The shape with the lexer's literals put back as written; the client's own parameters stay as they are. */
    private static String withLiterals(String shape, LexedStatement statement) {
        Matcher m = PLACEHOLDER.matcher(shape);
        StringBuilder out = new StringBuilder(shape.length() + 32);
        while (m.find()) {
            int number = Integer.parseInt(m.group(1));
            String replacement = number > statement.parameterCount()
                    ? statement.rawLiterals().get(number - statement.parameterCount() - 1) : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static SplitText renumbered(String shape, LexedStatement statement) {
        Matcher m = PLACEHOLDER.matcher(shape);
        StringBuilder out = new StringBuilder(shape.length() + 32);
        Map<Integer, Integer> renumber = new LinkedHashMap<>();
        while (m.find()) {
            int number = Integer.parseInt(m.group(1));
            String replacement;
            if (number > statement.parameterCount()) {
                replacement = statement.rawLiterals().get(number - statement.parameterCount() - 1);
            } else {
                replacement = "$" + renumber.computeIfAbsent(number, n -> renumber.size() + 1);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return new SplitText(out.toString(), renumber.keySet().stream().mapToInt(Integer::intValue).toArray());
    }
}
