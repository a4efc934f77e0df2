package dev.pgsteer.proxy.relay.prepared;

import dev.pgsteer.proxy.backend.BackendTarget;
import java.util.HashMap;
import java.util.Map;

/**
 * What PostgreSQL's verdict on a Parse depends on besides the statement's text, its parameter
 * types and the catalog: the backend database (a pool's target), and the session's settings, which
 * pgsteer puts on every connection before the session's messages. Among them {@code search_path}
 * decides which table a name means, or whether it means one; {@code standard_conforming_strings}
 * how a literal reads; {@code DateStyle}, {@code IntervalStyle} and {@code TimeZone} whether a typed
 * literal is valid; {@code client_encoding} how the bytes of the text decode. All of them are
 * part of the scope, not only those known to matter today.
 *
 * <p>{@code application_name} is left out: it labels a session and changes nothing in how SQL
 * reads, and sessions of one application often differ only there.
 *
 * <p>Looked up on every named Parse: its hash is computed once.
 */
public final class ParseScope {
    private static final String LABEL_ONLY = "application_name";

    private final BackendTarget backend;
    private final Map<String, String> settings;
    private final int hash;

    private ParseScope(BackendTarget backend, Map<String, String> settings) {
        this.backend = backend;
        this.settings = Map.copyOf(settings);
        this.hash = 31 * backend.hashCode() + this.settings.hashCode();
    }

    /** The scope of a session with these settings (lower-case names, as the session keeps them) on {@code backend}. */
    public static ParseScope of(BackendTarget backend, Map<String, String> sessionSettings) {
        if (!sessionSettings.containsKey(LABEL_ONLY)) {
            return new ParseScope(backend, sessionSettings);
        }
        Map<String, String> relevant = new HashMap<>(sessionSettings);
        relevant.remove(LABEL_ONLY);
        return new ParseScope(backend, relevant);
    }

    public BackendTarget backend() {
        return backend;
    }

    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof ParseScope that && hash == that.hash && backend.equals(that.backend)
                && settings.equals(that.settings);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "ParseScope[" + backend.poolName() + " " + settings + "]";
    }
}
