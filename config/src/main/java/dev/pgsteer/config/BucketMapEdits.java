package dev.pgsteer.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The changes an operator makes to a table group's bucket map: one bucket to another shard, or every
 * bucket split k ways. Each gives a new {@link BucketMap}, validated as the file's are (it must hold
 * every hash exactly once); neither moves a row.
 *
 * <p>A split needs no data movement because hash mod kB determines hash mod B: the keys of bucket r
 * of modulus m are exactly those of the cells c of kB with c mod m = r, so each of those cells goes
 * on the shard that held the bucket.
 */
public final class BucketMapEdits {

    private static final Pattern LABEL = Pattern.compile("(\\d+)(?:\\s+of\\s+(\\d+))?");

    private BucketMapEdits() {
    }

    /**
     * The bucket {@code label} names in {@code map}: {@code 5} (remainder 5 of the map's
     * {@code buckets}) or {@code 5 of 12}.
     *
     * @throws IllegalArgumentException when it is not written so, or the map has no such bucket
     */
    public static BucketMap.Bucket bucket(BucketMap map, String label) {
        Matcher m = LABEL.matcher(label.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + label + "' is not a bucket: write a remainder (5) or 'r of m' ('5 of 12')");
        }
        int remainder;
        int modulus;
        try {
            remainder = Integer.parseInt(m.group(1));
            modulus = m.group(2) == null ? map.buckets() : Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + label + "' is not a bucket of this map");
        }
        for (BucketMap.Bucket b : map.placement()) {
            if (b.modulus() == modulus && b.remainder() == remainder) {
                return b;
            }
        }
        throw new IllegalArgumentException("there is no bucket " + remainder + " of " + modulus + "; the buckets are "
                + labels(map) + " (split them first to move part of one)");
    }

    /** {@code map} with {@code bucket} on {@code shard}. */
    public static BucketMap move(BucketMap map, BucketMap.Bucket bucket, String shard) {
        List<BucketMap.Bucket> placement = new ArrayList<>(map.placement().size());
        for (BucketMap.Bucket b : map.placement()) {
            placement.add(b.equals(bucket) ? new BucketMap.Bucket(b.modulus(), b.remainder(), shard) : b);
        }
        return new BucketMap(map.buckets(), placement);
    }

    /**
     * {@code map} refined into {@code into} buckets of one modulus, each on the shard that held its
     * keys: a shard that held bucket b of B holds b, b + B, ..., b + (k-1)B of kB.
     *
     * @throws IllegalArgumentException when {@code into} is not a multiple of the map's buckets above
     *     it, or is more than {@link BucketMap#MAX_BUCKETS}
     */
    public static BucketMap split(BucketMap map, int into) {
        if (into <= map.buckets() || into % map.buckets() != 0) {
            throw new IllegalArgumentException("cannot split " + map.buckets() + " buckets into " + into
                    + ": give a multiple of " + map.buckets() + " above it (" + 2 * map.buckets() + ", " + 3 * map.buckets()
                    + ", ...), so that every new bucket lies in one old bucket and no row moves");
        }
        if (into > BucketMap.MAX_BUCKETS) {
            throw new IllegalArgumentException("cannot split into " + into + " buckets: at most " + BucketMap.MAX_BUCKETS);
        }
        String[] shardOfCell = map.shardOfCell();
        List<BucketMap.Bucket> placement = new ArrayList<>(into);
        for (int cell = 0; cell < into; cell++) {
            placement.add(new BucketMap.Bucket(into, cell, shardOfCell[cell % map.buckets()]));
        }
        return new BucketMap(into, placement);
    }

    /**
     * The hash-sharded tables of {@code database} whose map is that of {@code table}: a co-located
     * group, which changes together (SHOW BUCKETS groups the same way).
     */
    public static List<String> group(DatabaseConfig database, TableConfig.Sharded table) {
        BucketMap map = database.bucketsOf(table);
        List<String> group = new ArrayList<>();
        for (TableConfig t : database.tables().values()) {
            if (t instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Hash
                    && database.bucketsOf(s).equals(map)) {
                group.add(s.name());
            }
        }
        return group;
    }

    private static String labels(BucketMap map) {
        List<String> labels = map.placement().stream().limit(12).map(BucketMap.Bucket::label).toList();
        int more = map.placement().size() - labels.size();
        return String.join(", ", labels) + (more > 0 ? " and " + more + " more" : "");
    }
}
