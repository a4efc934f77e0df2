package dev.pgsteer.proxy.backend;

import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * The statements prepared on one backend connection, least recently used first, at most
 * {@code capacity} of them: beyond that the oldest is closed to make room.
 */
public final class PreparedOnConnection {
    private final int capacity;
    private final LinkedHashSet<String> names = new LinkedHashSet<>();

    public PreparedOnConnection(int capacity) {
        this.capacity = capacity;
    }

    /** Whether {@code name} is prepared here; counts as a use. */
    public boolean contains(String name) {
        if (names.remove(name)) {
            names.add(name);
            return true;
        }
        return false;
    }

    /** Records {@code name} as prepared; returns the statement to close to stay within capacity, or null. */
    public String add(String name) {
        names.add(name);
        if (names.size() <= capacity) {
            return null;
        }
        Iterator<String> oldest = names.iterator();
        String evicted = oldest.next();
        oldest.remove();
        return evicted;
    }

    public void remove(String name) {
        names.remove(name);
    }

    /** DISCARD ALL or DEALLOCATE ALL ran on the connection. */
    public void clear() {
        names.clear();
    }
}
