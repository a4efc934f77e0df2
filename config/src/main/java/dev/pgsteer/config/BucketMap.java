package dev.pgsteer.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Where the buckets of a hash-sharded table live: {@code buckets:} and {@code placement:}. A bucket is
 * a hash partition in PostgreSQL's own sense, remainder r of modulus m (the keys that
 * {@code PARTITION BY HASH} with modulus m puts in remainder r, as {@code satisfies_hash_partition}
 * says), on one shard. Moduli may be mixed, as PostgreSQL allows for a table's hash partitions: each
 * modulus divides the next larger one, and the buckets together hold every hash exactly once.
 *
 * <p>{@code buckets} is the finest modulus: every bucket's modulus divides it, so that hash mod
 * {@code buckets} names one cell and each cell lies in exactly one bucket ({@link #shardOfCell}).
 * Routing looks a key's cell up in an array of that size. Because hash mod kB determines hash mod B, a
 * bucket of B splits into the k buckets of kB that it holds with no row moving.
 *
 * <p>An immutable value: the YAML gives one today; a shard map with a version (the metadata store)
 * can give another, and a router is made for it as for a reloaded file.
 */
public record BucketMap(int buckets, List<Bucket> placement) {

    /** Most buckets (cells) a table may have: routing keeps an array of that many shards per table. */
    public static final int MAX_BUCKETS = 4096;

    /** Remainder {@code remainder} of modulus {@code modulus}, on {@code shard}. */
    public record Bucket(int modulus, int remainder, String shard) {
        public Bucket {
            Objects.requireNonNull(shard, "shard");
        }

        /** As EXPLAIN ROUTE and SHOW BUCKETS name it, and as the file may write it: {@code 5 of 12}. */
        public String label() {
            return remainder + " of " + modulus;
        }

        /** Whether the keys of cell {@code cell} (hash mod a multiple of this modulus) are in this bucket. */
        public boolean holds(int cell) {
            return cell % modulus == remainder;
        }
    }

    /** Why a placement is not a partition of the hash space: the bucket at {@code index} is at fault. */
    public record Invalid(int index, String why, String fix) {
    }

    public BucketMap {
        placement = placement.stream()
                .sorted(Comparator.comparingInt(Bucket::modulus).thenComparingInt(Bucket::remainder))
                .toList();
        Optional<Invalid> invalid = check(buckets, placement);
        if (invalid.isPresent()) {
            throw new IllegalArgumentException(invalid.get().why());
        }
    }

    /** {@code buckets} buckets, bucket b on {@code shards[b mod shards.size()]}. */
    public static BucketMap even(int buckets, List<String> shards) {
        List<Bucket> placement = new ArrayList<>(buckets);
        for (int b = 0; b < buckets; b++) {
            placement.add(new Bucket(buckets, b, shards.get(b % shards.size())));
        }
        return new BucketMap(buckets, placement);
    }

    /**
     * Whether {@code placement} over {@code buckets} cells is valid; when not, the first bucket (by its
     * position in {@code placement}) that breaks it, why and the fix. Valid: {@code buckets} is 1 to
     * {@link #MAX_BUCKETS}; each bucket's remainder is below its modulus, which divides {@code buckets};
     * of the moduli used, each divides the next larger (PostgreSQL's rule for hash partitions); and
     * each cell is in exactly one bucket.
     */
    public static Optional<Invalid> check(int buckets, List<Bucket> placement) {
        if (buckets < 1 || buckets > MAX_BUCKETS) {
            return Optional.of(new Invalid(-1, "buckets: " + buckets + " is not between 1 and " + MAX_BUCKETS,
                    "use from 1 to " + MAX_BUCKETS + " buckets"));
        }
        for (int i = 0; i < placement.size(); i++) {
            Bucket b = placement.get(i);
            if (b.modulus() < 1 || b.remainder() < 0 || b.remainder() >= b.modulus()) {
                return Optional.of(new Invalid(i, "bucket " + b.label() + " is not a bucket: the remainder must be 0 to "
                        + (b.modulus() - 1), "write r of m with r from 0 to m - 1"));
            }
            if (buckets % b.modulus() != 0) {
                return Optional.of(new Invalid(i, "bucket " + b.label() + ": " + b.modulus() + " does not divide the "
                        + buckets + " buckets", "use a modulus that divides " + buckets + ", or set buckets: to a multiple of "
                        + b.modulus()));
            }
        }
        TreeSet<Integer> moduli = new TreeSet<>();
        placement.forEach(b -> moduli.add(b.modulus()));
        Integer smaller = null;
        for (int modulus : moduli) {
            if (smaller != null && modulus % smaller != 0) {
                int m = modulus;
                return Optional.of(new Invalid(indexOfModulus(placement, m), "modulus " + m + " is not a multiple of modulus "
                        + smaller + ", which another bucket uses; PostgreSQL's hash partitions need each modulus to divide "
                        + "the next larger one", "split the buckets of modulus " + smaller + " and " + m
                        + " into buckets of one modulus that both divide"));
            }
            smaller = modulus;
        }
        int[] holder = new int[buckets];
        Arrays.fill(holder, -1);
        for (int i = 0; i < placement.size(); i++) {
            Bucket b = placement.get(i);
            for (int cell = b.remainder(); cell < buckets; cell += b.modulus()) {
                if (holder[cell] >= 0) {
                    return Optional.of(new Invalid(i, "bucket " + b.label() + " overlaps bucket "
                            + placement.get(holder[cell]).label() + " (both hold the keys of bucket " + cell + " of "
                            + buckets + ")", "place each key once: remove one of them, or split the larger one"));
                }
                holder[cell] = i;
            }
        }
        for (int cell = 0; cell < buckets; cell++) {
            if (holder[cell] < 0) {
                List<Integer> missing = new ArrayList<>();
                for (int c = cell; c < buckets && missing.size() < 10; c++) {
                    if (holder[c] < 0) {
                        missing.add(c);
                    }
                }
                return Optional.of(new Invalid(-1, "no bucket holds the keys of bucket" + (missing.size() > 1 ? "s " : " ")
                        + String.join(", ", missing.stream().map(String::valueOf).toList()) + " of " + buckets
                        + (missing.size() == 10 ? " and more" : ""), "place every bucket of " + buckets
                        + " on a shard, directly or in a bucket of a smaller modulus"));
            }
        }
        return Optional.empty();
    }

    private static int indexOfModulus(List<Bucket> placement, int modulus) {
        for (int i = 0; i < placement.size(); i++) {
            if (placement.get(i).modulus() == modulus) {
                return i;
            }
        }
        return -1;
    }

    /** The shard of each cell (hash mod {@link #buckets}), an array of {@code buckets} names. */
    public String[] shardOfCell() {
        String[] shards = new String[buckets];
        for (Bucket b : placement) {
            for (int cell = b.remainder(); cell < buckets; cell += b.modulus()) {
                shards[cell] = b.shard();
            }
        }
        return shards;
    }

    /** The shards that hold at least one bucket, each once, in the order they first appear. */
    public List<String> shards() {
        return placement.stream().map(Bucket::shard).distinct().toList();
    }
}
