package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.ReportedParameters;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * The end of a sharded session's login: the default shard confirms the database is there and tells
 * the parameters the client hears (ParameterStatus), then BackendKeyData and ReadyForQuery.
 */
final class Greeting {
    private Greeting() {
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
            connection.loginParameters().keySet().forEach(name ->
                    session.send(new ParameterStatus(ReportedParameters.canonical(name), connection.currentSettings().get(name))));
            session.send(new BackendKeyData(session.processId(), session.secretKey()));
            session.send(ReadyForQuery.IDLE);
            leases.releaseAll();
            session.channel().flush();
            if (session.phase() != Phase.CLOSED) {
                session.ready();
                ready.run();
            }
        });
    }
}
