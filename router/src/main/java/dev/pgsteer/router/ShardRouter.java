package dev.pgsteer.router;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.analysis.PlanCache;
import dev.pgsteer.router.directory.KeyCaches;
import dev.pgsteer.router.analysis.ShardKeyUniqueness;
import dev.pgsteer.router.analysis.StatementAnalyzer;
import dev.pgsteer.router.analysis.UnparsedStatements;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.CoordinatorNeeded;
import dev.pgsteer.router.plan.KeyCondition;
import dev.pgsteer.router.plan.KeyPlacer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.MergePlan;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.plan.TouchedBuckets;
import dev.pgsteer.router.resolve.KeyShards;
import dev.pgsteer.router.resolve.ShardTexts;
import dev.pgsteer.router.shard.ChoosingKeyPlacer;
import dev.pgsteer.router.shard.ShardChooser;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.syntax.Parser;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.UnsupportedStatement;

/**
 * Routes the statements of one sharded logical database. {@link #analysis} turns a statement's shape
 * into an {@link Analysis} (JSQLParser runs once per distinct shape; the result is cached);
 * {@link #resolve} applies the key values of one execution and gives its {@link Route}.
 */
public final class ShardRouter {
    /** The first words of DDL that, when JSQLParser only skims the statement, are placed by their words. */
    private static final Set<String> DDL_WORDS = Set.of("CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE");

    private final DatabaseConfig database;
    private final KeyPlacer placer;
    private final KeyShards keyShards;
    /** The same walk over key conditions as {@link #keyShards}, collecting buckets instead of shards: EXPLAIN ROUTE's. */
    private final KeyShards keyBuckets;
    private final StatementAnalyzer analyzer;
    private final PlanCache cache;
    /**
     * Shapes JSQLParser cannot read (a typed literal, {@code date '1994-01-01'}, leaves {@code date $1}):
     * failing can take it long (about a second for TPC-H Q20, whose text parses in 8 ms), and the
     * analysis of the text is not cached, so each execution would fail again. At most the plan
     * cache's capacity of them; past it the set starts over.
     */
    private final Set<String> unparsedShapes = ConcurrentHashMap.newKeySet();
    private final int capacity;
    private final Collations collations;
    private final Functions functions;
    /** Told when a plan meets a name the catalog read did not have; nothing by default. */
    private final Runnable catalogGap;

    /** A router whose database sorts text in "C" (byte order), as tests of routing alone assume. */
    public ShardRouter(DatabaseConfig database, KeyPlacer placer, int capacity) {
        this(database, placer, new PlanCache(capacity), Collations.BYTEWISE_DEFAULT, Functions.BUILTIN, () -> { });
    }

    /** A router whose database's values compare as {@code collations} says. */
    public ShardRouter(DatabaseConfig database, KeyPlacer placer, Collations collations, int capacity) {
        this(database, placer, new PlanCache(capacity), collations, Functions.BUILTIN, () -> { });
    }

    private ShardRouter(DatabaseConfig database, KeyPlacer placer, PlanCache cache, Collations collations,
                        Functions functions, Runnable catalogGap) {
        this.database = database;
        this.placer = placer;
        this.keyShards = new KeyShards(placer);
        this.keyBuckets = new KeyShards((table, source) -> {
            int bucket = placer.bucketIndex(table, source);
            if (bucket < 0) {
                throw new RoutingException("0A000", "table " + table.name() + " is not placed by buckets");
            }
            return bucket;
        });
        this.analyzer = new StatementAnalyzer(database, collations, functions, catalogGap);
        this.cache = cache;
        this.capacity = cache.capacity();
        this.collations = collations;
        this.functions = functions;
        this.catalogGap = catalogGap;
    }

    /**
     * A router for the database's new configuration (a key type learned), with an empty plan cache:
     * plans hold the tables as they were. The cache's counts go on, so metrics never run backwards.
     */
    public ShardRouter reconfigured(DatabaseConfig newDatabase) {
        // The directory's caches hold the store's keys, not the file's: the new router keeps them.
        KeyCaches keys = placer instanceof ChoosingKeyPlacer choosing ? choosing.chooser().keys()
                : KeyCaches.standalone(newDatabase.name());
        return new ShardRouter(newDatabase, new ChoosingKeyPlacer(new ShardChooser(newDatabase, keys)), cache.emptied(),
                collations, functions, catalogGap);
    }

    /**
     * A router for the same database whose values compare as {@code learned} says (read from the
     * catalog), with an empty plan cache: merge plans were decided with the collations as they were.
     */
    public ShardRouter withCollations(Collations learned) {
        return new ShardRouter(database, placer, cache.emptied(), learned, functions, catalogGap);
    }

    /**
     * A router for the same database whose own aggregates are {@code learned} (read from the catalog),
     * with an empty plan cache: a plan that concatenated a call of a name now an aggregate would be wrong.
     */
    public ShardRouter withFunctions(Functions learned) {
        return new ShardRouter(database, placer, cache.emptied(), collations, learned, catalogGap);
    }

    /**
     * The same router (its plan cache kept), telling {@code gap} when a plan meets a name the catalog
     * it was given did not have (a function, a table or column made on the shards since): that
     * statement is coordinated, and reading the catalog again may let the next plans merge. Called
     * while planning (off the event loops); {@code gap} must be quick.
     */
    public ShardRouter withCatalogGap(Runnable gap) {
        return new ShardRouter(database, placer, cache, collations, functions, gap);
    }

    /** A router for {@code database} with its real sharding functions, whose text sorts in "C" (byte order). */
    public static ShardRouter of(DatabaseConfig database, int capacity) {
        return of(database, Collations.BYTEWISE_DEFAULT, capacity);
    }

    /** A router for {@code database} with its real sharding functions, whose values compare as {@code collations} says. */
    public static ShardRouter of(DatabaseConfig database, Collations collations, int capacity) {
        return of(database, collations, Functions.BUILTIN, capacity);
    }

    /** The same, with the database's own aggregates ({@code functions}) as its catalog gave them. */
    public static ShardRouter of(DatabaseConfig database, Collations collations, Functions functions, int capacity) {
        return of(database, collations, functions, capacity, KeyCaches.standalone(database.name()));
    }

    /** The same, with {@code function: directory} tables placed by {@code keys}, the database's caches of its directory. */
    public static ShardRouter of(DatabaseConfig database, Collations collations, Functions functions, int capacity,
                                 KeyCaches keys) {
        return new ShardRouter(database, new ChoosingKeyPlacer(new ShardChooser(database, keys)), new PlanCache(capacity),
                collations, functions, () -> { });
    }

    /** How this database's values compare, as the merge planner knows it. */
    public Collations collations() {
        return collations;
    }

    /** The database's own aggregates, as the merge planner knows them. */
    public Functions functions() {
        return functions;
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
        return cache.lookup(statement.shape());
    }

    /** Lookups by {@link #cached} that found the shape's plan. */
    public long planCacheHits() {
        return cache.hits();
    }

    /** Lookups by {@link #cached} that did not: the statement is planned with JSQLParser. */
    public long planCacheMisses() {
        return cache.misses();
    }

    /** Shapes cached now (at most the capacity). */
    public int planCacheSize() {
        return cache.size();
    }

    /** Shapes JSQLParser could not read, remembered now so that they are not tried again (at most the capacity). */
    public int unparsedShapes() {
        return unparsedShapes.size();
    }

    /** The statement's analysis: from the cache, else parsed now. JSQLParser is slow: call this off the event loop. */
    public Analysis analysis(LexedStatement statement) {
        Analysis cached = cache.peek(statement.shape());
        if (cached != null) {
            return cached;
        }
        // Read from the tokens, parsed or not: a uniqueness the shards cannot keep is refused either way.
        Optional<Analysis> refused = ShardKeyUniqueness.refusal(statement, database);
        if (refused.isPresent()) {
            cache.put(statement.shape(), refused.get());
            return refused.get();
        }
        Statement parsed = unparsedShapes.contains(statement.shape()) ? null : Parser.parse(statement.shape());
        if (parsed == null && !unparsedShapes.contains(statement.shape())) {
            if (unparsedShapes.size() >= capacity) {
                unparsedShapes.clear();
            }
            unparsedShapes.add(statement.shape());
        }
        if (parsed instanceof UnsupportedStatement && DDL_WORDS.contains(statement.firstKeyword())) {
            // JSQLParser skims DDL it does not know (CREATE AGGREGATE, CREATE DOMAIN, CREATE CAST, ALTER
            // AGGREGATE) into an UnsupportedStatement, which named no table and so ran on the default
            // shard alone: read by its words instead, which apply it to every shard.
            return UnparsedStatements.analysis(statement, database);
        }
        try {
            if (parsed != null) {
                Analysis analysis = analyzer.analyze(parsed, statement.shape(), true);
                cache.put(statement.shape(), analysis);
                return analysis;
            }
            // The shape may not parse where the text does (a typed literal: DATE '2025-01-01').
            Statement original = Parser.parse(statement.text());
            if (original != null) {
                return analyzer.analyze(original, statement.text(), false);
            }
        } catch (RuntimeException e) {
            // JSQLParser's own walks fail on some trees it parsed (array_agg(x ORDER BY y) FILTER (...)
            // throws a NullPointerException): placed by its words, as a statement it cannot parse.
        }
        return UnparsedStatements.analysis(statement, database);
    }

    /**
     * The shards this execution of the statement runs on. {@code bind} gives the statement's own
     * parameters; the lexer's literals fill the placeholders after them. {@code held} are shards the
     * session's transaction already uses (reads of reference tables prefer them).
     */
    public Route resolve(Analysis analysis, LexedStatement statement, KeySource.Placeholders bind, Collection<String> held)
            throws RoutingException {
        KeySource.Placeholders values = values(statement, bind);
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
            case Placement.KeysFromSubquery keys -> key != null ? byHint(analysis, keys.byKey(), key)
                    : byKey(analysis, keys.byKey(), statement, values);
            case Placement.JoinedWrite joined -> key != null ? byHint(analysis, joined.byKey(), key)
                    : byKey(analysis, joined.byKey(), statement, values);
            // The router writes the columns in first (Router): here they are unknown.
            case Placement.InsertWithoutColumns insert -> throw new RoutingException("42P10", "INSERT into sharded table "
                    + insert.table().name() + " must list its columns, including the shard key " + insert.table().key());
            case Placement.InsertSelect insert -> throw new RoutingException("0A000", "INSERT ... SELECT into sharded table "
                    + insert.table().name() + " is written by pgsteer itself, not routed");
            case Placement.InsertRows rows -> key != null
                    ? byHint(analysis, new Placement.ByKey(List.of(new Placement.KeyGroup(List.of(
                            new Placement.Member(rows.table(), KeyCondition.ANY)))), null, true), key)
                    : insert(analysis, rows, statement, values);
        };
    }

    /** The statement's own parameters, then the lexer's literals as the placeholders after them. */
    private static KeySource.Placeholders values(LexedStatement statement, KeySource.Placeholders bind) {
        return number -> number <= statement.parameterCount()
                ? bind.value(number)
                : KeySource.text(statement.literals().get(number - statement.parameterCount() - 1));
    }

    /**
     * For EXPLAIN ROUTE: the buckets of the hash-sharded table whose key values place this execution,
     * {@code bucket 5 of 12} or {@code buckets 1 of 12, 5 of 12}; null when the statement is not
     * placed by the key values of a hash-sharded table (no key condition, a range or list table, a
     * routing comment naming the shard). Not a hot path: the keys are placed a second time.
     *
     * @throws RoutingException when a key cannot be placed, or the placer does not know buckets
     */
    public String buckets(Analysis analysis, LexedStatement statement, KeySource.Placeholders bind) throws RoutingException {
        if (statement.hints().containsKey("shard")) {
            return null;
        }
        KeySource.Placeholders values = values(statement, bind);
        String key = statement.hints().get("key");
        Placement.ByKey byKey = switch (analysis.placement()) {
            case Placement.ByKey b -> b;
            case Placement.KeysFromSubquery keys -> keys.byKey();
            default -> null;
        };
        TableConfig.Sharded table;
        BitSet buckets = null;
        if (analysis.placement() instanceof Placement.InsertRows rows) {
            table = rows.table();
            if (key == null) {
                buckets = new BitSet();
                for (var rowKey : rows.keys()) {
                    KeySource source = KeyShards.source(rowKey, values);
                    int bucket = source == null ? -1 : placer.bucketIndex(table, source);
                    if (bucket >= 0) {
                        buckets.set(bucket);
                    }
                }
            }
        } else if (byKey != null) {
            Placement.KeyGroup group = byKey.groups().getFirst();
            table = group.members().getFirst().table();
            if (key == null && table.function() instanceof ShardFunction.Hash) {
                for (Placement.Member member : group.members()) {
                    buckets = KeyShards.intersect(buckets, keyBuckets.of(member.table(), member.condition(), values));
                }
            }
        } else {
            return null;
        }
        if (!(table.function() instanceof ShardFunction.Hash)) {
            return null;
        }
        if (key != null) {
            int bucket = placer.bucketIndex(table, KeySource.text(key));
            buckets = new BitSet();
            if (bucket >= 0) {
                buckets.set(bucket);
            }
        }
        if (buckets == null || buckets.isEmpty()) {
            return null;
        }
        BucketMap map = database.bucketsOf(table);
        List<String> labels = buckets.stream().limit(10).mapToObj(i -> map.placement().get(i).label()).toList();
        int more = buckets.cardinality() - labels.size();
        return (labels.size() == 1 ? "bucket " : "buckets ") + String.join(", ", labels) + (more > 0 ? " and " + more + " more" : "");
    }

    /**
     * The buckets this execution reaches (its key values placed in the buckets of the tables they
     * key), for a transaction whose shard map changed under it: did it reach a bucket that moved? Not
     * a hot path: the keys are placed a second time. A routing comment naming a shard reaches no
     * bucket pgsteer chose; a statement not placed by keys reaches every bucket.
     *
     * @throws RoutingException when a key cannot be placed
     */
    public TouchedBuckets touchedBuckets(Analysis analysis, LexedStatement statement, KeySource.Placeholders bind)
            throws RoutingException {
        if (statement.hints().containsKey("shard")) {
            return TouchedBuckets.NONE;
        }
        KeySource.Placeholders values = values(statement, bind);
        String key = statement.hints().get("key");
        Map<String, BitSet> touched = new LinkedHashMap<>();
        switch (analysis.placement()) {
            case Placement.Refused r -> {
                return TouchedBuckets.NONE;
            }
            case Placement.DefaultShard d -> {
                return TouchedBuckets.NONE;
            }
            case Placement.AnyShard a -> {
                return TouchedBuckets.NONE;
            }
            case Placement.InsertWithoutColumns i -> {
                return TouchedBuckets.NONE;   // routed again once its columns are known
            }
            case Placement.AllShards a -> {
                return TouchedBuckets.EVERY;
            }
            case Placement.InsertSelect i -> {
                return TouchedBuckets.EVERY;
            }
            case Placement.KeysFromSubquery k -> {
                return TouchedBuckets.EVERY;
            }
            case Placement.JoinedWrite j -> {
                return TouchedBuckets.EVERY;   // every shard writes its own rows of the target
            }
            case Placement.InsertRows rows -> {
                BitSet buckets = new BitSet();
                if (key != null) {
                    setBucket(buckets, rows.table(), KeySource.text(key));
                } else {
                    for (var rowKey : rows.keys()) {
                        setBucket(buckets, rows.table(), KeyShards.source(rowKey, values));
                    }
                }
                touched.put(rows.table().name(), buckets);
            }
            case Placement.ByKey byKey -> {
                for (Placement.KeyGroup group : byKey.groups()) {
                    for (Placement.Member member : group.members()) {
                        if (member.table().function() instanceof ShardFunction.Hash) {
                            BitSet buckets;
                            if (key != null) {
                                buckets = new BitSet();
                                setBucket(buckets, member.table(), KeySource.text(key));
                            } else {
                                buckets = keyBuckets.of(member.table(), member.condition(), values);
                            }
                            BitSet before = touched.get(member.table().name());
                            if (touched.containsKey(member.table().name()) && (before == null || buckets == null)) {
                                touched.put(member.table().name(), null);
                            } else if (before != null) {
                                before.or(buckets);
                            } else {
                                touched.put(member.table().name(), buckets);
                            }
                        }
                    }
                }
            }
        }
        return new TouchedBuckets(false, touched);
    }

    private void setBucket(BitSet buckets, TableConfig.Sharded table, KeySource source) throws RoutingException {
        int bucket = source == null ? -1 : placer.bucketIndex(table, source);
        if (bucket >= 0) {
            buckets.set(bucket);
        }
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
                shards = KeyShards.intersect(shards, keyShards.of(member.table(), member.condition(), values));
            }
            groupShards.add(shards);
        }
        int all = database.shards().size();
        if (groupShards.size() > 1) {
            // Tables not joined on their keys can be answered only where every one is on the same shard.
            BitSet first = groupShards.getFirst();
            for (BitSet shards : groupShards) {
                if (shards == null || shards.cardinality() != 1 || !shards.equals(first)) {
                    throw refusal(analysis, byKey, "tables " + String.join(" and ",
                            byKey.groups().stream().map(Placement.KeyGroup::tables).toList())
                            + " are not joined on their shard keys, and their rows are on different shards; "
                            + "join sharded tables on their keys (co-located), or give each the same key value");
                }
            }
        }
        target = groupShards.getFirst();
        String tables = tables(byKey.groups().getFirst());
        List<String> shards = new ArrayList<>();
        String why;
        if (target == null) {
            List<String> holding = holding(byKey.groups().getFirst());
            shards.addAll(holding);
            why = "no usable condition on the shard key of " + tables + ": every shard"
                    + (holding.size() == all ? "" : " that holds its rows (" + String.join(", ", holding) + ")");
        } else if (target.isEmpty()) {
            // The conditions exclude every shard (key = NULL, contradictory values): any shard answers "no rows".
            shards.add(database.defaultShard());
            why = "the key conditions on " + tables + " match no shard";
        } else {
            for (int i = target.nextSetBit(0); i >= 0; i = target.nextSetBit(i + 1)) {
                shards.add(database.shards().get(i));
            }
            why = "shard key of " + tables;
        }
        if (byKey.defaultOnly() != null && !(shards.size() == 1 && shards.getFirst().equals(database.defaultShard()))) {
            throw refusal(analysis, byKey, "the statement reads unsharded table " + byKey.defaultOnly()
                    + ", which lives on the default shard " + database.defaultShard() + " only, together with sharded "
                    + tables + " on " + String.join(", ", shards) + "; make " + byKey.defaultOnly()
                    + " a reference table, or narrow the statement to the default shard's keys");
        }
        if (shards.size() == 1) {
            return Route.one(shards.getFirst(), analysis.kind(), why);
        }
        if (!byKey.write() && analysis.multiShardRefusal() != null) {
            throw refusal(analysis, byKey, "pgsteer cannot merge " + analysis.multiShardRefusal()
                    + " (tables " + tables + "); give the shard key so it runs on one shard");
        }
        MergePlan plan = byKey.write() ? null : analysis.merge();
        if (plan == null) {
            return new Route(shards, Answer.COMBINE, analysis.kind(), why, Map.of(), null);
        }
        // Every shard runs the rewritten SELECT, with the statement's literals put back as written.
        String text = ShardTexts.withLiterals(plan.shardShape(), statement);
        Map<String, String> textByShard = new LinkedHashMap<>();
        shards.forEach(shard -> textByShard.put(shard, text));
        return new Route(shards, Answer.COMBINE, analysis.kind(), why + ", rows merged", textByShard,
                plan.resolve(values, statement.parameterCount()));
    }

    /**
     * The shards that can hold rows of the group's tables, in the database's order: a scan needs no
     * other. A shard added with no bucket yet has none, nor has the target of an online move before its
     * flip any that routing gives it (its copy is the source's, which the scan reads there): leaving
     * them out is what lets such a scan run during the move and count each row once.
     */
    private List<String> holding(Placement.KeyGroup group) {
        Set<String> any = new HashSet<>();
        for (Placement.Member member : group.members()) {
            // The router's own config: the cached plan's table may be of an older map.
            TableConfig.Sharded table = database.tables().get(member.table().name()) instanceof TableConfig.Sharded now ? now
                    : member.table();
            any.addAll(database.shardsOf(table));
        }
        List<String> holding = database.shards().stream().filter(any::contains).toList();
        return holding.isEmpty() ? database.shards() : holding;
    }

    /**
     * The group's tables for a route's reason. Every execution placed by key says it, so the common
     * group of one table is named without the stream {@link Placement.KeyGroup#tables} runs.
     */
    private static String tables(Placement.KeyGroup group) {
        return group.members().size() == 1 ? group.members().getFirst().table().name() : group.tables();
    }

    /**
     * A statement pgsteer cannot answer from its shards' answers: a read can still be answered by the
     * coordinator step (the coordinator, the default shard, also holds the unsharded tables), a write not.
     */
    private static RoutingException refusal(Analysis analysis, Placement.ByKey byKey, String message) {
        return analysis.kind() == StatementKind.READ && !byKey.write()
                ? new CoordinatorNeeded(message, readTables(byKey), byKey.alsoReads())
                : new RoutingException("0A000", message);
    }

    /**
     * What the coordinator step needs to answer a read placed by key whose route pgsteer could run but
     * not use as it stands (a COPY of a query whose rows would need merging); null for anything else.
     */
    public CoordinatorNeeded coordination(Analysis analysis, String message) {
        return analysis.kind() == StatementKind.READ && analysis.placement() instanceof Placement.ByKey byKey && !byKey.write()
                ? new CoordinatorNeeded(message, readTables(byKey), byKey.alsoReads()) : null;
    }

    /** The sharded tables a statement placed by key reads, each once, in the order it names them. */
    private static List<TableConfig.Sharded> readTables(Placement.ByKey byKey) {
        Map<String, TableConfig.Sharded> byName = new LinkedHashMap<>();
        for (Placement.KeyGroup group : byKey.groups()) {
            for (Placement.Member member : group.members()) {
                byName.putIfAbsent(member.table().name(), member.table());
            }
        }
        return List.copyOf(byName.values());
    }

    private Route insert(Analysis analysis, Placement.InsertRows rows, LexedStatement statement, KeySource.Placeholders values)
            throws RoutingException {
        int[] shardOfRow = new int[rows.keys().size()];
        BitSet used = new BitSet();
        for (int i = 0; i < shardOfRow.length; i++) {
            KeySource source = KeyShards.source(rows.keys().get(i), values);
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
        ShardTexts.splitInsert(statement, shardOfRow, database.shards()).forEach((shard, split) -> {
            texts.put(shard, split.text());
            if (statement.parameterCount() > 0) {
                parameters.put(shard, split.parameters());
            }
        });
        return new Route(used.stream().mapToObj(i -> database.shards().get(i)).toList(), Answer.COMBINE, StatementKind.WRITE,
                why + ", rows split by shard", texts, null, parameters);
    }
}
