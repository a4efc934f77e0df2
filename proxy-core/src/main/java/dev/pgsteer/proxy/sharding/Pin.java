package dev.pgsteer.proxy.sharding;

import dev.pgsteer.proxy.client.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the session keeps its shard connections for good: it changed what cannot follow it to
 * other connections (LISTEN, a temporary table, SET SESSION AUTHORIZATION).
 */
public final class Pin {
    private static final Logger log = LoggerFactory.getLogger(Pin.class);

    private final ClientSession session;
    private boolean pinned;

    public Pin(ClientSession session) {
        this.session = session;
    }

    public boolean pinned() {
        return pinned;
    }

    public void pin(String reason) {
        if (!pinned) {
            pinned = true;
            session.markPinned(reason);
            log.info("{}: pinned to its shard connections by {}", session.id(), reason);
        }
    }
}
