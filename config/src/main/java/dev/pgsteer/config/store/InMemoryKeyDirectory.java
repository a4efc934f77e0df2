package dev.pgsteer.config.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The key directory without a metadata store: keys assigned in the admin console last until the
 * process ends, and only this instance routes by them. Followers hear of changes at once, on the
 * thread that made them.
 */
public final class InMemoryKeyDirectory implements KeyDirectoryStore {

    private record Key(String database, String group, String key) {
    }

    private final Map<Key, String> shards = new LinkedHashMap<>();
    private final List<Consumer<List<KeyAssignment>>> followers = new CopyOnWriteArrayList<>();
    private long version;

    @Override
    public synchronized Optional<String> lookup(String database, String group, String key) {
        return Optional.ofNullable(shards.get(new Key(database, group, key)));
    }

    @Override
    public synchronized Optional<Map<String, String>> loadGroup(String database, String group, int limit) {
        Map<String, String> all = new LinkedHashMap<>();
        shards.forEach((k, shard) -> {
            if (k.database().equals(database) && k.group().equals(group)) {
                all.put(k.key(), shard);
            }
        });
        return all.size() > limit ? Optional.empty() : Optional.of(all);
    }

    @Override
    public Map<String, String> assign(String database, String group, Map<String, String> shardOfKey) {
        Map<String, String> before = new LinkedHashMap<>();
        List<KeyAssignment> changes = new ArrayList<>();
        synchronized (this) {
            version++;
            shardOfKey.forEach((key, shard) -> {
                before.put(key, shards.put(new Key(database, group, key), shard));
                changes.add(new KeyAssignment(database, group, key, shard, version));
            });
        }
        followers.forEach(f -> f.accept(changes));
        return before;
    }

    @Override
    public boolean unassign(String database, String group, String key) {
        KeyAssignment change;
        synchronized (this) {
            if (shards.remove(new Key(database, group, key)) == null) {
                return false;
            }
            change = new KeyAssignment(database, group, key, null, ++version);
        }
        followers.forEach(f -> f.accept(List.of(change)));
        return true;
    }

    @Override
    public synchronized List<KeyAssignment> list(String database, String group, int limit) {
        TreeMap<String, KeyAssignment> sorted = new TreeMap<>();
        shards.forEach((k, shard) -> {
            if (k.database().equals(database) && (group == null || k.group().equals(group))) {
                sorted.put(k.group() + "\0" + k.key(), new KeyAssignment(database, k.group(), k.key(), shard, version));
            }
        });
        return sorted.values().stream().limit(limit).toList();
    }

    @Override
    public synchronized long version() {
        return version;
    }

    @Override
    public void follow(Consumer<List<KeyAssignment>> onChanges) {
        followers.add(onChanges);
    }
}
