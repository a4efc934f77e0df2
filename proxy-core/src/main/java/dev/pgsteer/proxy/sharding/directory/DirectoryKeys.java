package dev.pgsteer.proxy.sharding.directory;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.KeyDirectoryStore;
import dev.pgsteer.config.store.KeyDirectoryStore.KeyAssignment;
import dev.pgsteer.router.directory.KeyCache;
import dev.pgsteer.router.directory.KeyCaches;
import dev.pgsteer.router.directory.KeyNotCached;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy's side of the key directory ({@code function: directory} tables): keeps every
 * sharded database's {@link KeyCaches} filled from the {@link KeyDirectoryStore}.
 *
 * <ul>
 *   <li>At start (and for a database a reload adds) each directory group is loaded whole when it has
 *       at most the cache's capacity of keys: routing then never waits for the store.</li>
 *   <li>A key routing does not know ({@link KeyNotCached}) is looked up on this service's own threads
 *       ({@link #resolve}), never on an event loop; one lookup serves every session that waits for
 *       the same key.</li>
 *   <li>Every change any instance makes reaches the caches through the store's follower.</li>
 * </ul>
 */
public final class DirectoryKeys implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DirectoryKeys.class);

    /** Lookups at once: as many as the metadata store's pool gives connections. */
    static final int THREADS = 4;

    private record Pending(KeyCache cache, String key) {
    }

    private final KeyDirectoryStore store;
    private final Map<String, KeyCaches> databases = new ConcurrentHashMap<>();
    private final Map<Pending, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService lookups = Executors.newFixedThreadPool(THREADS, runnable -> {
        Thread thread = new Thread(runnable, "pgsteer-key-lookup");
        thread.setDaemon(true);
        return thread;
    });

    /** The highest version whose changes reached the caches. */
    private volatile long seen;
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public DirectoryKeys(KeyDirectoryStore store) {
        this.store = store;
        this.seen = store.version();
        store.follow(this::changed);
    }

    /**
     * Waits, at most {@code timeout}, until the changes up to {@code version} reached this instance's
     * caches: a change made through this instance's console is then routed by its next statement.
     * Blocking: off the event loops.
     */
    public boolean awaitVersion(long version, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (seen < version) {
            if (System.nanoTime() > until) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    public KeyDirectoryStore store() {
        return store;
    }

    /**
     * Serves {@code database}'s directory groups from now on, each loaded whole when small enough.
     * Blocks on the store: call it off the event loops (at start, in a reload).
     */
    public void attach(DatabaseConfig database, KeyCaches caches) {
        databases.put(database.name(), caches);
        for (String group : groups(database)) {
            KeyCache cache = caches.group(group);
            if (cache.complete()) {
                continue;
            }
            try {
                long epoch = cache.epoch();
                Optional<Map<String, String>> all = store.loadGroup(database.name(), group, cache.capacity());
                if (all.isPresent() && cache.fillAll(all.get(), epoch)) {
                    log.info("directory group {} of database {}: {} key(s) cached", group, database.name(), all.get().size());
                } else {
                    log.info("directory group {} of database {}: more keys than the cache holds ({}), or changed while "
                            + "loading; keys are looked up as statements need them", group, database.name(), cache.capacity());
                }
            } catch (RuntimeException e) {
                log.warn("directory group {} of database {}: cannot load its keys now ({}); they are looked up as "
                        + "statements need them", group, database.name(), e.getMessage());
            }
        }
    }

    /** The directory groups of a database's tables, in the file's order. */
    public static Set<String> groups(DatabaseConfig database) {
        Set<String> groups = new LinkedHashSet<>();
        for (TableConfig table : database.tables().values()) {
            if (table instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Directory d) {
                groups.add(d.group());
            }
        }
        return groups;
    }

    /**
     * Looks {@code miss}'s key up in the store and puts the answer in its cache; completes (on a
     * lookup thread) when the key can be routed again, exceptionally when the store cannot answer.
     */
    public CompletableFuture<Void> resolve(KeyNotCached miss) {
        Pending pending = new Pending(miss.cache(), miss.key());
        CompletableFuture<Void> started = new CompletableFuture<>();
        CompletableFuture<Void> running = inFlight.putIfAbsent(pending, started);
        if (running != null) {
            return running;
        }
        try {
            lookups.execute(() -> {
                try {
                    KeyCache cache = miss.cache();
                    long epoch = cache.epoch();
                    String shard = store.lookup(cache.database(), cache.group(), miss.key()).orElse(null);
                    cache.fill(miss.key(), shard, epoch);
                    started.complete(null);
                } catch (RuntimeException e) {
                    started.completeExceptionally(e);
                } finally {
                    inFlight.remove(pending, started);
                }
            });
        } catch (RuntimeException e) {
            inFlight.remove(pending, started);
            started.completeExceptionally(e);
        }
        return started;
    }

    private void changed(List<KeyAssignment> changes) {
        long highest = seen;
        for (KeyAssignment change : changes) {
            KeyCaches caches = databases.get(change.database());
            if (caches != null) {
                caches.ifPresent(change.group()).ifPresent(cache -> cache.changed(change.key(), change.shard()));
            }
            highest = Math.max(highest, change.version());
        }
        seen = highest;
        listeners.forEach(Runnable::run);
    }

    /** The highest key directory version whose changes reached the caches. */
    public long seen() {
        return seen;
    }

    /** Told after each change reached the caches (on the store's thread): tenant and key moves wait for it. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        lookups.shutdownNow();
    }
}
