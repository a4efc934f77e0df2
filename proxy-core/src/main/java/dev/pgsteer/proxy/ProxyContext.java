package dev.pgsteer.proxy;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.backend.PoolRegistry;
import dev.pgsteer.proxy.client.CancelRegistry;
import dev.pgsteer.proxy.client.SessionRegistry;
import dev.pgsteer.proxy.client.UserDirectory;
import dev.pgsteer.router.SessionRouter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What every client session needs from the running proxy, handed down through constructors.
 * {@code sessions} and {@code meters} are read by the admin console (SHOW CLIENTS, SHOW STATS);
 * {@code tenants} is the tenant directory and where each tenant's statements go.
 */
public record ProxyContext(ProxyConfig config, UserDirectory users, SessionRouter router, PoolRegistry pools,
                           CancelRegistry cancels, ProxyMetrics metrics,
                           dev.pgsteer.proxy.statement.StatementRegistry statements,
                           java.util.Map<String, dev.pgsteer.proxy.sharding.ShardedDatabase> sharded,
                           SessionRegistry sessions, MeterRegistry meters, dev.pgsteer.proxy.tenant.Tenants tenants) {
}
