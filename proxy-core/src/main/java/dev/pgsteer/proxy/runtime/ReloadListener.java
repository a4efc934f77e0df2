package dev.pgsteer.proxy.runtime;

import dev.pgsteer.config.ProxyConfig;

/**
 * Told of each configuration reload that was applied (RELOAD in the admin console, SIGHUP), after the
 * new configuration is in force for new sessions: parts of pgsteer that keep state derived from the
 * file (the tenant directory, for one) update it here. Runs on the reloading thread, never on an
 * event loop; it may block briefly. Register with {@link ProxyContext#addReloadListener}. A file
 * with problems is rejected before any listener hears of it.
 */
@FunctionalInterface
public interface ReloadListener {
    void reloaded(ProxyConfig before, ProxyConfig after);
}
