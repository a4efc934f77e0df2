package dev.pgsteer.bench;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.directory.KeyCache;
import dev.pgsteer.router.directory.KeyCaches;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.ShardChooser;
import dev.pgsteer.router.shard.ShardedTable;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a {@code function: directory} table costs routing, beside a hash table with the same key:
 * a named statement (lexed once) whose cached shape is resolved with a Bind's text key, once on
 * {@code by_hash} (PostgreSQL's hash of the text, then the bucket's shard) and once on
 * {@code by_directory} (one lookup in the group's cache of 10,000 keys). The goal: the
 * directory adds at most 100 ns to the cached shape's decision. Key lookups alone are measured too.
 * Keys rotate over 1,024 of the cached ones, so the lookup is not always the same cache line.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DirectoryRouterBenchmark {
    static final String SHARD_MAP = """
            backends:
              s0: { url: "postgresql://bench:bench@127.0.0.1:5432/bench0" }
              s1: { url: "postgresql://bench:bench@127.0.0.1:5432/bench1" }
              s2: { url: "postgresql://bench:bench@127.0.0.1:5432/bench2" }
            databases:
              bench:
                shards: [s0, s1, s2]
                tables:
                  by_hash:      { key: tenant_id, function: hash, type: text }
                  by_directory: { key: tenant_id, function: directory, group: tenants, type: text }
            """;
    static final int KEYS = 10_000;
    static final int ROTATION = 1024;

    private ShardRouter router;
    private LexedStatement onHash;
    private LexedStatement onDirectory;
    private String[] keys;
    private KeySource[] sources;
    private KeyValue[] values;
    private KeyCache cache;
    private ShardedTable hashTable;
    private ShardedTable directoryTable;
    private int next;
    private final List<String> held = List.of();

    @Setup
    public void setUp() throws RoutingException {
        DatabaseConfig database = ConfigLoader.parse(SHARD_MAP, "directory-bench.yaml", Map.of()).databases().get("bench");
        KeyCaches caches = KeyCaches.following("bench", KeyCaches.DEFAULT_CAPACITY);
        cache = caches.group("tenants");
        Map<String, String> all = new HashMap<>();
        keys = new String[ROTATION];
        sources = new KeySource[ROTATION];
        values = new KeyValue[ROTATION];
        for (int i = 0; i < KEYS; i++) {
            all.put("tenant-" + i, "s" + (i % 3));
        }
        if (!cache.fillAll(all, cache.epoch())) {
            throw new IllegalStateException("the group was not cached whole");
        }
        for (int i = 0; i < ROTATION; i++) {
            keys[i] = "tenant-" + (i * 7 % KEYS);
            sources[i] = KeySource.text(keys[i]);
            values[i] = new KeyValue.Text(keys[i]);
        }
        router = ShardRouter.of(database, Collations.BYTEWISE_DEFAULT, Functions.BUILTIN, 1000, caches);
        onHash = SqlLexer.statement("SELECT * FROM by_hash WHERE tenant_id = $1");
        onDirectory = SqlLexer.statement("SELECT * FROM by_directory WHERE tenant_id = $1");
        ShardChooser chooser = new ShardChooser(database, caches);
        hashTable = chooser.table((TableConfig.Sharded) database.table("by_hash").orElseThrow());
        directoryTable = chooser.table((TableConfig.Sharded) database.table("by_directory").orElseThrow());
        // Fill the plan cache, as the first execution of each shape does, and check the plans are one-shard ones.
        for (LexedStatement statement : List.of(onHash, onDirectory)) {
            Route route = router.resolve(router.analysis(statement), statement, n -> sources[0], held);
            if (!route.isSingleShard()) {
                throw new IllegalStateException("expected one shard, got " + route);
            }
        }
    }

    private int rotate() {
        next = (next + 1) & (ROTATION - 1);
        return next;
    }

    private Route resolve(LexedStatement statement) throws RoutingException {
        KeySource source = sources[rotate()];
        Analysis analysis = router.cached(statement);
        return router.resolve(analysis, statement, n -> source, held);
    }

    /** A named statement on the hash table: cached shape, PostgreSQL's hash of the key, the bucket's shard. */
    @Benchmark
    public Route preparedOnHash() throws RoutingException {
        return resolve(onHash);
    }

    /** The same on the directory table: cached shape, one lookup in the group's cache. */
    @Benchmark
    public Route preparedOnDirectory() throws RoutingException {
        return resolve(onDirectory);
    }

    /** The hash table's choice alone: hash of the text, the cell's shard. */
    @Benchmark
    public String shardOfHash() {
        return hashTable.shardOf(values[rotate()]);
    }

    /** The directory table's choice alone: one lookup in the cache. */
    @Benchmark
    public String shardOfDirectory() {
        return directoryTable.shardOf(values[rotate()]);
    }

    /** The cache lookup alone. */
    @Benchmark
    public String cacheLookup() {
        return cache.shardOf(keys[rotate()]);
    }
}
