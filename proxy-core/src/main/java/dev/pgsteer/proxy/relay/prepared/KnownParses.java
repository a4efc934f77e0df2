package dev.pgsteer.proxy.relay.prepared;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What a session learns about which statements parse in its scope (see {@link ParseScope}), for
 * the proxy-wide {@link ParsedStatements}: a Parse the backend completed becomes known valid at the
 * ReadyForQuery after it, unless something since may have made it otherwise.
 */
final class KnownParses {
    private final StatementRegistry registry;
    /** The session's settings, and a number that changes with them: half of its {@link ParseScope}. */
    private final Supplier<Map<String, String>> settings;
    private final IntSupplier settingsVersion;
    private ParseScope scope;
    private BackendTarget scopeBackend;
    private int scopeVersion;
    /** Parses the backend completed since its last ReadyForQuery: known valid once it comes (see {@link #readyForQuery}). */
    private final List<Expectation> parsedSinceReady = new ArrayList<>();
    /** A statement of this session changed the catalog in the transaction going on. */
    private boolean catalogChanged;
    /** False once the session is pinned: its connection may carry settings its {@link ParseScope} does not show. */
    private boolean settingsKnown = true;

    KnownParses(StatementRegistry registry, Supplier<Map<String, String>> settings, IntSupplier settingsVersion) {
        this.registry = registry;
        this.settings = settings;
        this.settingsVersion = settingsVersion;
    }

    /** A statement of this session changed the catalog: nothing parsed before holds for sure. */
    void catalogChanged() {
        catalogChanged = true;
        registry.parsed().forgetAll();
    }

    /** The backend completed {@code parse}, one pgsteer sent in a known scope. */
    void parsed(Expectation parse) {
        parsedSinceReady.add(parse);
    }

    /** A new lease: nothing is outstanding on it. */
    void leaseStarted() {
        parsedSinceReady.clear();
    }

    /**
     * The session was pinned: what it changed on its connection (a SET pgsteer cannot follow) may be
     * missing from its settings, so its Parses tell nothing of its scope's.
     */
    void sessionPinned() {
        settingsKnown = false;
    }

    /**
     * The backend sent ReadyForQuery: the statements it parsed since the last one become known valid
     * in their scope. Not when the session was pinned meanwhile (a SET pgsteer cannot follow, sent
     * before the Parse in the same exchange, pins only at this ReadyForQuery), nor when its settings
     * changed after the Parse was sent, nor in a transaction that changed the catalog: what it
     * created may be rolled back, and the statements parsed before it was dropped may fail now. When
     * that transaction is over, everything known is forgotten once more, after other sessions may
     * have parsed against the catalog it had not committed yet.
     */
    void readyForQuery(TransactionStatus status) {
        if (catalogChanged) {
            parsedSinceReady.clear();
            if (status == TransactionStatus.IDLE) {
                catalogChanged = false;
                registry.parsed().forgetAll();
            }
            return;
        }
        if (parsedSinceReady.isEmpty()) {
            return;
        }
        if (settingsKnown) {
            for (Expectation parsed : parsedSinceReady) {
                if (parsed.scope().equals(scope(parsed.scope().backend()))) {
                    registry.parsed().add(parsed.scope(), parsed.backendName());
                }
            }
        }
        parsedSinceReady.clear();
    }

    /** The scope of this session's statements on {@code backend}, or null once pgsteer does not know its settings. */
    ParseScope knownScope(BackendTarget backend) {
        return settingsKnown ? scope(backend) : null;
    }

    /** Whether {@code backendName} is known valid in the session's scope on {@code backend}. */
    boolean knownValid(BackendTarget backend, String backendName) {
        ParseScope known = knownScope(backend);
        return known != null && registry.parsed().contains(known, backendName);
    }

    /** The scope a statement of this session is parsed in on {@code backend}, rebuilt only when its settings change. */
    private ParseScope scope(BackendTarget backend) {
        int version = settingsVersion.getAsInt();
        if (scope == null || version != scopeVersion || backend != scopeBackend) {
            scope = ParseScope.of(backend, settings.get());
            scopeBackend = backend;
            scopeVersion = version;
        }
        return scope;
    }

    /** Whether the session's settings read strings with backslash escapes (standard_conforming_strings off). */
    boolean backslashQuotes() {
        // As SessionSettings.backslashQuotes() says it; this package does not depend on the client's.
        return "off".equals(settings.get().get("standard_conforming_strings"));
    }
}
