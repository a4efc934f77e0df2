package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.SessionGreeting;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * The end of a sharded session's login: the default shard confirms the database is there and tells
 * the parameters the client hears; the greeting itself is every session's ({@link SessionGreeting}).
 */
final class DefaultShardLogin {
    private DefaultShardLogin() {
    }

    /** Greets the client; {@code ready} runs once the session is READY. A shard that cannot be reached ends the session. */
    static void greet(ClientSession session, ShardLeases leases, ShardSettings settings, String defaultShard, Runnable ready) {
        Future<List<ShardLink>> acquired = leases.acquire(List.of(defaultShard), null);
        acquired.addListener(f -> {
            if (!acquired.isSuccess()) {
                session.terminate(ProxyErrors.of(acquired.cause(), ErrorResponse.Severity.FATAL));
                return;
            }
            BackendConnection connection = acquired.getNow().getFirst().connection();
            settings.reported(connection.loginParameters());
            SessionGreeting.send(session, connection);
            leases.releaseAll();
            session.channel().flush();
            if (session.phase() != Phase.CLOSED) {
                session.ready();
                ready.run();
            }
        });
    }
}
