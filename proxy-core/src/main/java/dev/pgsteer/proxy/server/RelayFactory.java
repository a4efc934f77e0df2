package dev.pgsteer.proxy.server;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.proxy.admin.AdminConsole;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.backend.pool.PoolSettings;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.SessionGate;
import dev.pgsteer.proxy.client.SessionRelays;
import dev.pgsteer.proxy.relay.PooledRelay;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.move.Moves;
import dev.pgsteer.proxy.sharding.relay.ShardedRelay;
import dev.pgsteer.proxy.tenant.gate.TenantGate;
import dev.pgsteer.proxy.tenant.gate.TenantHolds;
import dev.pgsteer.router.session.SessionRoute;
import dev.pgsteer.router.tenant.TenantCommand;

import java.util.concurrent.CompletableFuture;

/**
 * Makes each logged-in session's relay from where the router sent it: the one class that knows every
 * kind of relay (the admin console, a tenant's, a sharded database's, one backend's), so that the
 * client package knows none of them.
 */
public final class RelayFactory implements SessionRelays {
    private final ProxyContext context;

    /** A tenant's sessions wait while a move of the tenant holds them (MOVE TENANT's cutover). */
    private final TenantHolds tenantHolds;

    public RelayFactory(ProxyContext context) {
        this.context = context;
        this.tenantHolds = new TenantHolds() {
            @Override
            public boolean active() {
                Moves moves = context.moves();
                return moves != null && moves.guard().tenantsMoving();
            }

            @Override
            public SessionGate.Hold hold(String database, String tenant) {
                Moves moves = context.moves();
                CompletableFuture<Void> released = moves == null ? null : moves.guard().tenantHold(database, tenant);
                return released == null ? null : new SessionGate.Hold(released, moves.guard().writeWait());
            }
        };
    }

    @Override
    public Opening open(ClientSession session) {
        // One snapshot for the route and the relay: a reload between them must not split the decision.
        ProxyContext.Snapshot snapshot = context.snapshot();
        return Opening.of(session, snapshot.router(), route -> relayFor(session, route, snapshot));
    }

    private NewRelay relayFor(ClientSession session, SessionRoute.Relayed route, ProxyContext.Snapshot snapshot) {
        return switch (route) {
            case SessionRoute.Admin admin -> NewRelay.readingWhole(new AdminConsole(session, context), "admin console");
            case SessionRoute.TenantSession tenant -> tenantRelay(session, tenant);
            case SessionRoute.Sharded sharded -> {
                // The snapshot's router said sharded, so the snapshot has its ShardedDatabase: both come from one file.
                ShardedDatabase database = snapshot.sharded().get(sharded.database().name());
                yield NewRelay.readingWhole(new ShardedRelay(session, database), "routing over shards " + sharded.database().shards());
            }
            case SessionRoute.SingleBackend single -> {
                BackendPool pool = poolFor(single, snapshot);
                yield new NewRelay(pooledRelay(session, pool, single.database()), "relaying to " + pool.target().poolName(),
                        PooledRelay::streams);
            }
        };
    }

    /**
     * A session of a tenant database (one with {@code tenancy:}), or of a database name that is a
     * tenant's id: its statements go where its tenant's data is, found statement by statement by its gate.
     */
    private NewRelay tenantRelay(ClientSession session, SessionRoute.TenantSession route) {
        // The startup option names the tenant to pgsteer: it is not a setting to pass on to backends.
        session.settings().takeStartup(TenantCommand.SETTING);
        DatabaseConfig database = route.database();
        var gate = new TenantGate(session, context.tenants(), database, route.pinned(), route.atStartup(),
                session.channel().alloc(), tenantHolds);
        var relay = new PooledRelay(session, gate, database.pool().mode(), context.metrics(),
                new StatementRelay(context.statements(),
                        session.settings()::wanted, session.settings()::version), context.slowStatements());
        String atStartup = route.atStartup();
        String pinned = route.pinned();
        return new NewRelay(relay, "tenant database " + database.name()
                + (atStartup != null ? ", tenant " + atStartup : pinned != null ? ", tenant " + pinned : ", no tenant named yet"),
                PooledRelay::streams);
    }

    private PooledRelay pooledRelay(ClientSession session, BackendPool pool, DatabaseConfig database) {
        return new PooledRelay(session, pool, database.pool().mode(), context.metrics(),
                new StatementRelay(context.statements(),
                        session.settings()::wanted, session.settings()::version), context.slowStatements());
    }

    private BackendPool poolFor(SessionRoute.SingleBackend plan, ProxyContext.Snapshot snapshot) {
        BackendConfig backend = snapshot.config().backends().get(plan.backend());
        return context.pools().poolFor(BackendTarget.of(backend, plan.backendDatabase()), PoolSettings.of(plan.database().pool()));
    }
}
