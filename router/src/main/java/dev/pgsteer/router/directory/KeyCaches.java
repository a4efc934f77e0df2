package dev.pgsteer.router.directory;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link KeyCache}s of one database's directory groups, made on first use. They outlive the
 * routers of the database (a reload, a key type learned): a cache holds the store's keys, not the file's.
 */
public final class KeyCaches {

    /** Keys cached per group unless the configuration says otherwise. */
    public static final int DEFAULT_CAPACITY = 100_000;

    private final String database;
    private final int capacity;
    private final boolean completeWhenMade;
    private final Map<String, KeyCache> caches = new ConcurrentHashMap<>();

    private KeyCaches(String database, int capacity, boolean completeWhenMade) {
        this.database = database;
        this.capacity = capacity;
        this.completeWhenMade = completeWhenMade;
    }

    /** Caches that know nothing yet: every key is looked up in the store until a group is loaded. */
    public static KeyCaches following(String database, int capacity) {
        return new KeyCaches(database, capacity, false);
    }

    /**
     * Caches that hold the whole directory, which is empty until changes are given ({@link KeyCache#changed}):
     * for a router without a store (tests, benchmarks), where every key nobody assigned is unknown.
     */
    public static KeyCaches standalone(String database) {
        return new KeyCaches(database, DEFAULT_CAPACITY, true);
    }

    public String database() {
        return database;
    }

    public KeyCache group(String group) {
        return caches.computeIfAbsent(group, g -> {
            KeyCache cache = new KeyCache(database, g, capacity);
            if (completeWhenMade) {
                cache.fillAll(Map.of(), cache.epoch());
            }
            return cache;
        });
    }

    /** The group's cache if it was made (a change to a group no table uses needs none). */
    public Optional<KeyCache> ifPresent(String group) {
        return Optional.ofNullable(caches.get(group));
    }

    /** The groups used so far. */
    public Collection<KeyCache> all() {
        return caches.values();
    }
}
