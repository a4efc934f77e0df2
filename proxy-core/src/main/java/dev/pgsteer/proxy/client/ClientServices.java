package dev.pgsteer.proxy.client;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.observe.ProxyMetrics;

/**
 * What the front door (a client's connection, its login) needs of the running proxy, and nothing
 * more: the configuration in force, the users it checks passwords against, the registries a session
 * joins, the metrics it counts in. The runtime's {@code ProxyContext} provides it.
 */
public interface ClientServices {

    /** The configuration in force now (a reload swaps it). */
    ProxyConfig config();

    /** The users of that configuration, with what their passwords are checked against. */
    UserDirectory users();

    CancelRegistry cancels();

    SessionRegistry sessions();

    ProxyMetrics metrics();
}
