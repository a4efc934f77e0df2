package dev.pgsteer.config;

import java.util.Objects;

/**
 * Where a {@code function: directory} table's key goes when the directory does not hold it
 * ({@code unknown:} in the YAML): refused (the default: a key nobody placed is a mistake the
 * application should hear of), on one named shard, or hashed over buckets as {@code function: hash}
 * would place it.
 */
public sealed interface DirectoryDefault {

    /** The statement is refused with an error naming the key ({@code unknown: refuse}). */
    record Refuse() implements DirectoryDefault {
    }

    /** Every unknown key on {@code shard} ({@code unknown: { shard: s0 }}). */
    record OnShard(String shard) implements DirectoryDefault {
        public OnShard {
            Objects.requireNonNull(shard, "shard");
        }
    }

    /**
     * Unknown keys hashed as {@code function: hash} with these buckets would place them
     * ({@code unknown: hash}, with the table's {@code buckets:} and {@code placement:}); null
     * buckets: one per shard.
     */
    record Hashed(BucketMap buckets) implements DirectoryDefault {
    }

    /** As the YAML writes it and SHOW KEY prints it. */
    default String describe() {
        return switch (this) {
            case Refuse r -> "refuse";
            case OnShard s -> "shard " + s.shard();
            case Hashed h -> h.buckets() == null ? "hash" : "hash over " + h.buckets().buckets() + " buckets";
        };
    }
}
