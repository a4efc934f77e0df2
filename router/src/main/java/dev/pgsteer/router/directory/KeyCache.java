package dev.pgsteer.router.directory;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The keys of one directory group of one database that this instance knows: key (its canonical text,
 * {@code KeyValue.text()}) to shard, or to "not assigned". Routing reads it on the event loop, one
 * hash lookup; a key it does not know throws {@link KeyNotCached}, and the session looks the key up
 * in the metadata store off the loop, {@link #fill}s it here and routes the statement again.
 *
 * <p><b>Complete or partial.</b> A group small enough is loaded whole ({@link #fillAll}); it is then
 * <em>complete</em>: a key it lacks is a key the directory does not hold, and routing never waits.
 * A larger group is partial: at most {@code capacity} keys, assigned or not, a tenth of them let go
 * at random when it is full, so a scan of many keys cannot grow it without bound.
 *
 * <p><b>Changes.</b> Every change any instance makes reaches {@link #changed} through the store's
 * follower, in version order. A lookup that was in flight while a change arrived may have read the
 * value before it: {@link #fill} drops what it read when the {@link #epoch} moved meanwhile (the
 * statement routed again misses and looks again). Writers synchronize on the cache (off
 * the event loops); readers do not.
 */
public final class KeyCache {

    /** The cached answer for a key the directory does not hold (compared by identity). */
    private static final String NOT_ASSIGNED = new String("(not assigned)");

    private final String database;
    private final String group;
    private final int capacity;
    private final ConcurrentHashMap<String, String> entries = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private volatile boolean complete;

    public KeyCache(String database, String group, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a key cache holds at least one key");
        }
        this.database = database;
        this.group = group;
        this.capacity = capacity;
    }

    public String database() {
        return database;
    }

    public String group() {
        return group;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * The shard of {@code key}, or null when the directory does not hold it.
     *
     * @throws KeyNotCached when this instance does not know (look it up, {@link #fill}, route again)
     */
    public String shardOf(String key) {
        String shard = entries.get(key);
        if (shard != null) {
            return shard == NOT_ASSIGNED ? null : shard;
        }
        if (complete) {
            return null;
        }
        throw new KeyNotCached(this, key);
    }

    /** Read before a lookup in the store, given back to {@link #fill}. */
    public long epoch() {
        return epoch.get();
    }

    /** What the store said of {@code key} ({@code shard} null: not assigned), unless a change came since {@code epochBefore}. */
    public synchronized void fill(String key, String shard, long epochBefore) {
        if (epoch.get() != epochBefore) {
            return;
        }
        makeRoom();
        entries.put(key, shard == null ? NOT_ASSIGNED : shard);
    }

    /**
     * The whole group as the store holds it (key to shard), read after {@code epochBefore}: from now on a
     * key not here is not assigned. Dropped when a change came meanwhile (the caller may load again).
     *
     * @return whether the cache is now complete
     */
    public synchronized boolean fillAll(Map<String, String> all, long epochBefore) {
        if (all.size() > capacity || epoch.get() != epochBefore) {
            return false;
        }
        entries.clear();
        entries.putAll(all);
        complete = true;
        return true;
    }

    /** A change made through any instance: {@code shard} is the key's shard now, null when unassigned. */
    public synchronized void changed(String key, String shard) {
        epoch.incrementAndGet();
        if (complete) {
            if (shard == null) {
                entries.remove(key);
            } else if (entries.size() >= capacity && !entries.containsKey(key)) {
                // Grown past what it may hold: from now on a key it lacks is looked up.
                complete = false;
                makeRoom();
                entries.put(key, shard);
            } else {
                entries.put(key, shard);
            }
            return;
        }
        makeRoom();
        entries.put(key, shard == null ? NOT_ASSIGNED : shard);
    }

    /** Forgets everything (the store's changes may have been missed): every key is looked up again. */
    public synchronized void forget() {
        epoch.incrementAndGet();
        complete = false;
        entries.clear();
    }

    public boolean complete() {
        return complete;
    }

    /** Keys known now, assigned or not. */
    public int size() {
        return entries.size();
    }

    private void makeRoom() {
        if (entries.size() < capacity) {
            return;
        }
        // ConcurrentHashMap iterates in hash order: dropping the first tenth drops keys at random.
        int drop = Math.max(1, capacity / 10);
        Iterator<String> keys = entries.keySet().iterator();
        while (drop-- > 0 && keys.hasNext()) {
            keys.next();
            keys.remove();
        }
    }

    @Override
    public String toString() {
        return "KeyCache[" + database + "." + group + ", " + entries.size() + (complete ? " keys, complete]" : " keys]");
    }
}
