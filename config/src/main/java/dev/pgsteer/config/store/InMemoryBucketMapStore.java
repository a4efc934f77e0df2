package dev.pgsteer.config.store;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.ProxyConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The bucket maps without a metadata store: the file's, and the changes made through this instance's
 * admin console, which last until the process ends and reach no other instance.
 */
public final class InMemoryBucketMapStore implements BucketMapStore {
    private final CopyOnWriteArrayList<Consumer<BucketMaps>> followers = new CopyOnWriteArrayList<>();
    private BucketMaps maps = BucketMaps.NONE;

    @Override
    public synchronized BucketMaps seed(ProxyConfig config) {
        Map<String, Map<String, BucketMap>> missing = BucketMapSeed.missing(config, maps);
        if (!missing.isEmpty()) {
            long version = maps.version() + 1;
            for (Map.Entry<String, Map<String, BucketMap>> e : missing.entrySet()) {
                maps = maps.with(e.getKey(), e.getValue(), version);
            }
        }
        return maps;
    }

    @Override
    public synchronized BucketMaps load() {
        return maps;
    }

    @Override
    public BucketMaps change(String database, List<String> tables, BucketMap expected, BucketMap next) {
        BucketMaps changed;
        synchronized (this) {
            Map<String, BucketMap> have = maps.of(database);
            Map<String, BucketMap> changes = new LinkedHashMap<>();
            for (String table : tables) {
                if (!expected.equals(have.get(table))) {
                    throw new BucketMapConflictException("the bucket map of table " + table + " changed meanwhile (version "
                            + maps.version() + "); look at SHOW BUCKETS and run the command again");
                }
                changes.put(table, next);
            }
            maps = maps.with(database, changes, maps.version() + 1);
            changed = maps;
        }
        followers.forEach(f -> f.accept(changed));
        return changed;
    }

    @Override
    public void follow(Consumer<BucketMaps> onChange) {
        followers.add(onChange);
    }

    @Override
    public String describe() {
        return "yaml (this instance only)";
    }

    @Override
    public boolean durable() {
        return false;
    }
}
