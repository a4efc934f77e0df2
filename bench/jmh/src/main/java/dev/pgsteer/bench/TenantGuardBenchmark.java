package dev.pgsteer.bench;

import dev.pgsteer.router.tenant.TenantComment;
import dev.pgsteer.router.tenant.TenantGuard;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a tenant session adds per statement before relaying it: the head comment check and the
 * tenant guard's lexical scan, for pgbench's statements (select-only and the TPC-B-like update).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TenantGuardBenchmark {
    private static final String SELECT = "SELECT abalance FROM pgbench_accounts WHERE aid = 42;";
    private static final String UPDATE = "UPDATE pgbench_accounts SET abalance = abalance + -1234 WHERE aid = 42;";
    private final TenantGuard guard = new TenantGuard(Set.of("search_path", "app.tenant_id"),
            Set.of("globex", "initech", "umbrella"), false);

    @Benchmark
    public Object selectGuard() {
        return guard.check(SELECT);
    }

    @Benchmark
    public Object updateGuard() {
        return guard.check(UPDATE);
    }

    @Benchmark
    public Object headComment() {
        return TenantComment.of(SELECT);
    }
}
