package dev.pgsteer.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** How a sharded table's key value chooses its shard: {@code function:} and what goes with it. */
public sealed interface ShardFunction permits ShardFunction.Hash, ShardFunction.Range, ShardFunction.ListOf,
        ShardFunction.Directory {

    /**
     * PostgreSQL's own hash partitioning over buckets ({@link BucketMap}): each bucket holds the keys
     * that {@code PARTITION BY HASH} puts in its remainder of its modulus. {@code buckets} null is the
     * default, one bucket per shard: the shard at position i of {@code shards} holds remainder i of
     * modulus = the number of shards ({@link DatabaseConfig#bucketsOf} gives it as a map). Two tables
     * are co-located when their functions are equal, so the file's reader keeps the default as null
     * whatever way it was written.
     */
    record Hash(BucketMap buckets) implements ShardFunction {
        /** One bucket per shard. */
        public Hash() {
            this(null);
        }
    }

    /**
     * Consecutive ranges, in order: each holds the values from the previous one's {@code to}
     * (inclusive; the first from {@code from} if given, else from the lowest value) up to its own
     * {@code to} (exclusive; the last may have none, and then holds everything above).
     */
    record Range(List<RangeBound> ranges) implements ShardFunction {
        public Range {
            ranges = List.copyOf(ranges);
            if (ranges.isEmpty()) {
                throw new IllegalArgumentException("a range function needs at least one range");
            }
        }
    }

    /** Listed values, each to its shard ({@code lists: {eu: s0, us: s1}}); other values match none. */
    record ListOf(Map<String, String> shardOfValue) implements ShardFunction {
        public ListOf {
            shardOfValue = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(shardOfValue)));
        }
    }

    /**
     * A lookup table in the metadata store, key value to shard, shared by the tables of one
     * {@code group} (co-located, as equal functions are); {@code unknown} says where a key the
     * directory does not hold goes. See {@link DirectoryDefault}.
     */
    record Directory(String group, DirectoryDefault unknown) implements ShardFunction {
        public Directory {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(unknown, "unknown");
        }
    }

    /** One range of a {@link Range}: {@code from} only on the first, {@code to} null for "and above". */
    record RangeBound(String from, String to, String shard) {
        public RangeBound {
            Objects.requireNonNull(shard, "shard");
        }
    }
}
