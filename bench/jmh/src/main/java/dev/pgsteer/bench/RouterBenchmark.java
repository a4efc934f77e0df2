package dev.pgsteer.bench;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The planner's decision for one statement of a sharded database, as the Router (dev.pgsteer.router.Router) takes it for a Run command:
 * lex the text into a shape and literals, look the shape's analysis up in the cache (JSQLParser only on
 * a miss), then resolve the route with this execution's key values (PostgreSQL's hash of the key,
 * shard chosen). The target: a cached shape decided in at most 1 µs.
 *
 * <p>The shard map is the one {@code bench/shard-bench.sh} runs: pgbench_accounts hashed by aid over
 * two shards, branches and tellers as reference tables.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RouterBenchmark {
    static final String SHARD_MAP = """
            backends:
              s0: { url: "postgresql://bench:bench@127.0.0.1:5432/bench0" }
              s1: { url: "postgresql://bench:bench@127.0.0.1:5432/bench1" }
            databases:
              bench:
                shards: [s0, s1]
                tables:
                  pgbench_accounts: { key: aid, function: hash }
                  pgbench_branches: { kind: reference }
                  pgbench_tellers:  { kind: reference }
            """;
    /** pgbench -S -M simple: the key is a literal, which the lexer lifts out of the shape. */
    private static final String LITERAL = "SELECT abalance FROM pgbench_accounts WHERE aid = 42;";
    /** pgbench -S -M extended/prepared: the key comes in a Bind. */
    private static final String PARAMETER = "SELECT abalance FROM pgbench_accounts WHERE aid = $1;";

    private DatabaseConfig database;
    private ShardRouter router;
    /** A router with an empty cache for every invocation of {@link #uncachedShape}. */
    private ShardRouter fresh;
    private LexedStatement prepared;
    /** The Bind's parameter as it sits in the frame, in text format. */
    private byte[] bindValue;
    private final List<String> held = List.of();

    @Setup
    public void setUp() throws RoutingException {
        database = ConfigLoader.parse(SHARD_MAP, "shard-bench.yaml", Map.of()).databases().get("bench");
        router = ShardRouter.of(database, 1000);
        bindValue = "42".getBytes(StandardCharsets.UTF_8);
        prepared = SqlLexer.statement(PARAMETER);
        // Fill the cache, as the first execution of each shape does, and check the plan is the one-shard one.
        check(route(router, SqlLexer.statements(LITERAL).getFirst(), KeySource.Placeholders.NONE, true));
        check(route(router, prepared, bind(), true));
        if (router.cached(SqlLexer.statement(LITERAL)) == null || router.cached(prepared) == null) {
            throw new IllegalStateException("the shapes were not cached");
        }
    }

    @Setup(Level.Invocation)
    public void freshRouter() {
        // Outside the measured time: a new router (new cache) so the next statement's shape is new to it.
        fresh = ShardRouter.of(database, 1000);
    }

    private static void check(Route route) {
        if (!route.isSingleShard()) {
            throw new IllegalStateException("expected one shard, got " + route);
        }
    }

    private KeySource.Placeholders bind() {
        return number -> KeySource.text(new String(bindValue, StandardCharsets.UTF_8));
    }

    private Route route(ShardRouter on, LexedStatement statement, KeySource.Placeholders values, boolean parseOnMiss)
            throws RoutingException {
        Analysis analysis = on.cached(statement);
        if (analysis == null) {
            if (!parseOnMiss) {
                throw new IllegalStateException("cache miss for " + statement.shape());
            }
            analysis = on.analysis(statement);
        }
        return on.resolve(analysis, statement, values, held);
    }

    /** Simple protocol, literal key: lex the Query's text, cached analysis, resolve. */
    @Benchmark
    public Route cachedSimple() throws RoutingException {
        return route(router, SqlLexer.statements(LITERAL).getFirst(), KeySource.Placeholders.NONE, false);
    }

    /**
     * Extended protocol with an unnamed statement (pgbench -M extended): every Parse's text is lexed,
     * the analysis is cached, the key comes from the Bind.
     */
    @Benchmark
    public Route cachedBind() throws RoutingException {
        return route(router, SqlLexer.statement(PARAMETER), bind(), false);
    }

    /** A named statement (pgbench -M prepared): lexed once at Parse; per execution only lookup and resolve. */
    @Benchmark
    public Route cachedPrepared() throws RoutingException {
        return route(router, prepared, bind(), false);
    }

    /** A shape seen the first time: lex, JSQLParser and analysis, resolve (what runs off the event loop). */
    @Benchmark
    public Route uncachedShape() throws RoutingException {
        return route(fresh, SqlLexer.statements(LITERAL).getFirst(), KeySource.Placeholders.NONE, true);
    }

    /** The lexer alone on the simple-protocol text. */
    @Benchmark
    public LexedStatement lex() {
        return SqlLexer.statements(LITERAL).getFirst();
    }
}
