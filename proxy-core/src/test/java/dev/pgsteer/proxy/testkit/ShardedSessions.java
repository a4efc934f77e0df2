package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import io.netty.channel.Channel;
import java.lang.reflect.Constructor;
import java.util.List;
import java.util.Map;

/** A sharded session's surroundings for tests that reach no shard. */
public final class ShardedSessions {
    private ShardedSessions() {
    }

    /**
     * A client session on {@code channel}, logged in and READY. The login makes sessions in
     * production; its constructor is the client package's own, so it is reached here as the login would.
     */
    public static ClientSession ready(Channel channel) {
        try {
            Constructor<ClientSession> constructor = ClientSession.class.getDeclaredConstructor(Channel.class);
            constructor.setAccessible(true);
            ClientSession session = constructor.newInstance(channel);
            session.ready();
            return session;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make a ClientSession", e);
        }
    }

    /**
     * A sharded database "shop" of {@code shards}, without pools: a test that leases a shard fails
     * (there are no backends). Statements are planned on the calling thread.
     */
    public static ShardedDatabase withoutBackends(String... shards) {
        DatabaseConfig config = new DatabaseConfig("shop", List.of(shards), shards[0], Map.of(), "appdb", PoolConfig.defaults());
        return new ShardedDatabase(null, config, null, null, Runnable::run, new StatementRegistry());
    }
}
