package dev.pgsteer.config.store;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a store lacks of a configuration's bucket maps. A table the store does not have gets the map
 * of its group: the tables the file co-locates with it (the same map in the file). When some of them
 * are stored already (the table was added to the file after the map changed), it joins their stored
 * map, so that co-located tables stay co-located; else the group gets the file's map.
 */
final class BucketMapSeed {

    private BucketMapSeed() {
    }

    /** Per database, per table: the maps to add to {@code stored}; empty when the store has them all. */
    static Map<String, Map<String, BucketMap>> missing(ProxyConfig config, BucketMaps stored) {
        Map<String, Map<String, BucketMap>> missing = new LinkedHashMap<>();
        for (DatabaseConfig database : config.databases().values()) {
            if (!database.isSharded()) {
                continue;
            }
            Map<String, BucketMap> have = stored.of(database.name());
            Map<BucketMap, List<String>> groups = new LinkedHashMap<>();
            BucketMaps.seedOf(database).forEach((table, map) -> groups.computeIfAbsent(map, m -> new ArrayList<>()).add(table));
            Map<String, BucketMap> add = new LinkedHashMap<>();
            groups.forEach((fileMap, tables) -> {
                BucketMap map = tables.stream().filter(have::containsKey).map(have::get).findFirst().orElse(fileMap);
                tables.stream().filter(t -> !have.containsKey(t)).forEach(t -> add.put(t, map));
            });
            if (!add.isEmpty()) {
                missing.put(database.name(), add);
            }
        }
        return missing;
    }
}
