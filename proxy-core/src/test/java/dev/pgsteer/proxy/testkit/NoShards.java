package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * For a sharded session under test that must not reach any shard: a database without backends,
 * and pools and a listener where asking for a pool, or hearing from a connection, fails the test.
 */
public final class NoShards {
    private NoShards() {
    }

    /**
     * A sharded database "shop" of {@code shards}, without pools: a test that leases a shard fails
     * (there are no backends). Statements are planned on the calling thread.
     */
    public static ShardedDatabase database(String... shards) {
        DatabaseConfig config = new DatabaseConfig("shop", List.of(shards), shards[0], Map.of(), "appdb", PoolConfig.defaults());
        return new ShardedDatabase(null, config, null, null, Runnable::run, new StatementRegistry());
    }

    public static Function<String, BackendPool> pools() {
        return shard -> {
            throw new AssertionError("the test leases no shard, yet " + shard + " was asked for");
        };
    }

    public static BackendListener listener() {
        return new BackendListener() {
            @Override
            public EventExecutor executor() {
                return ImmediateEventExecutor.INSTANCE;
            }

            @Override
            public void onBackendFrame(BackendConnection connection, Frame frame) {
                frame.release();
                throw new AssertionError("no shard connection is held");
            }

            @Override
            public void onBackendReadComplete(BackendConnection connection) {
            }

            @Override
            public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
            }

            @Override
            public void onBackendClosed(BackendConnection connection) {
            }
        };
    }
}
