package dev.pgsteer.proxy.relay.prepared;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The statements PostgreSQL parsed without error, proxy-wide, each under the {@link ParseScope} it
 * was parsed in. A session's Parse of one of them is answered by pgsteer without a connection: a
 * client that prepares synchronously (libpq's PQprepare, pgbench -M prepared) must not wait for a
 * connection that a sibling on its own thread holds in an open transaction, which that sibling
 * cannot end while the thread waits.
 *
 * <p>What was valid may stop being so: a table dropped, a column altered. pgsteer forgets
 * everything when a session of its own changes the catalog ({@link CatalogChange}) and forgets a
 * statement when a Parse of it fails anywhere. A change it does not see (a client connected
 * straight to PostgreSQL, DDL inside a function) leaves a statement known: then the client gets
 * ParseComplete, and PostgreSQL's error comes at the Bind or Describe, when pgsteer prepares the
 * statement on the connection that runs it, as it would for a statement prepared before the change.
 */
public final class ParsedStatements {
    /**
     * Distinct scopes kept; beyond, all are dropped and learnt again. Sessions of one application share
     * a scope, so this is only reached by clients that keep changing settings (a TimeZone per request).
     */
    private static final int MAX_SCOPES = 256;

    private final ConcurrentHashMap<ParseScope, Set<String>> byScope = new ConcurrentHashMap<>();

    /** Whether the statement of this backend name parsed without error under {@code scope}. */
    public boolean contains(ParseScope scope, String backendName) {
        Set<String> names = byScope.get(scope);
        return names != null && names.contains(backendName);
    }

    /** PostgreSQL parsed the statement of {@code backendName} without error under {@code scope}. */
    public void add(ParseScope scope, String backendName) {
        if (byScope.size() >= MAX_SCOPES && !byScope.containsKey(scope)) {
            byScope.clear();
        }
        byScope.computeIfAbsent(scope, s -> ConcurrentHashMap.newKeySet()).add(backendName);
    }

    /** A Parse of {@code backendName} failed: whatever made it valid before no longer holds. */
    public void forget(String backendName) {
        byScope.values().forEach(names -> names.remove(backendName));
    }

    /** The catalog changed: any statement may now fail to parse, or parse otherwise. */
    public void forgetAll() {
        byScope.clear();
    }
}
