package dev.pgsteer.router.plan;

import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The buckets one execution of a statement reaches, per hash-sharded table, as positions in the
 * table's bucket map; a null set is every bucket of that table. {@code everyTable}: the statement may
 * reach every bucket of every hash-sharded table (DDL, a statement without usable keys, an INSERT ...
 * SELECT). Asked only of a transaction whose shard map changed under it, to see whether it reaches a
 * bucket that moved.
 */
public record TouchedBuckets(boolean everyTable, Map<String, BitSet> byTable) {

    public static final TouchedBuckets NONE = new TouchedBuckets(false, Map.of());
    public static final TouchedBuckets EVERY = new TouchedBuckets(true, Map.of());

    public TouchedBuckets {
        byTable = Collections.unmodifiableMap(new LinkedHashMap<>(byTable));
    }
}
