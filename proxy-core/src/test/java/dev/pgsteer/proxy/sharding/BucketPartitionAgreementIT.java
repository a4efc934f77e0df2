package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.ShardChooser;
import dev.pgsteer.router.shard.ShardedTable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Buckets against a real PostgreSQL, as a property: for random valid bucket maps (mixed moduli made
 * by splitting buckets) and random keys of several types, the bucket pgsteer picks is the partition
 * PostgreSQL's own {@code PARTITION BY HASH} table with those buckets as its partitions routes the row
 * to, and {@code satisfies_hash_partition} accepts the key in it. And for random maps, valid or not,
 * PostgreSQL refuses to create the partitions exactly when pgsteer refuses the map for overlapping
 * buckets or moduli that do not divide each other (a map with a gap PostgreSQL accepts, and then
 * refuses the keys that fall in it, as pgsteer refuses the map). numeric keys are not hashed by
 * pgsteer ({@link KeyType} has no numeric), so they are not here.
 */
class BucketPartitionAgreementIT {

    private static final int MAPS_PER_TYPE = 6;
    private static final int KEYS_PER_MAP = 400;
    private static final List<String> SHARDS = List.of("s0", "s1", "s2");

    private static EmbeddedPostgres postgres;
    private static Connection connection;
    private static int tables;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        try (Connection admin = postgres.getPostgresDatabase().getConnection(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE buckets ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        }
        connection = postgres.getDatabase("postgres", "buckets").getConnection();
    }

    @AfterAll
    static void stop() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    static Stream<Arguments> keyTypes() {
        Function<Random, String> int4 = r -> Integer.toString(r.nextBoolean() ? r.nextInt() : r.nextInt(2000) - 1000);
        Function<Random, String> int8 = r -> Long.toString(r.nextLong() >> r.nextInt(64));
        Function<Random, String> text = r -> {
            StringBuilder s = new StringBuilder();
            int length = r.nextInt(24);
            for (int i = 0; i < length; i++) {
                s.appendCodePoint(r.nextInt(10) == 0 ? 0xE9 + r.nextInt(200) : 'a' + r.nextInt(26));
            }
            return s.toString();
        };
        Function<Random, String> uuid = r -> new UUID(r.nextLong(), r.nextLong()).toString();
        return Stream.of(
                Arguments.of("int4", KeyType.INTEGER, int4),
                Arguments.of("int8", KeyType.INTEGER, int8),
                Arguments.of("text", KeyType.TEXT, text),
                Arguments.of("uuid", KeyType.UUID, uuid));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyTypes")
    void theBucketPgsteerPicksIsThePartitionPostgresqlPicks(String sqlType, KeyType keyType, Function<Random, String> key)
            throws SQLException {
        Random random = new Random(20261207L ^ sqlType.hashCode());
        int checked = 0;
        for (int m = 0; m < MAPS_PER_TYPE; m++) {
            BucketMap map = randomValidMap(random);
            TableConfig.Sharded table = new TableConfig.Sharded("t", "k", new ShardFunction.Hash(map), keyType);
            ShardedTable placed = new ShardChooser(new DatabaseConfig("db", SHARDS, "s0", Map.of("t", table), null,
                    PoolConfig.defaults())).table(table);
            String parent = partitioned(sqlType, map.placement()).orElseThrow(
                    () -> new AssertionError("PostgreSQL refused the valid map " + describe(map.placement())));
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < KEYS_PER_MAP; i++) {
                keys.add(key.apply(random));
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + parent
                    + " SELECT i, k::" + sqlType + " FROM unnest(?::text[]) WITH ORDINALITY AS u(k, i)")) {
                insert.setArray(1, connection.createArrayOf("text", keys.toArray()));
                assertEquals(keys.size(), insert.executeUpdate());
            }
            List<String> mismatches = new ArrayList<>();
            try (Statement s = connection.createStatement();
                 ResultSet rows = s.executeQuery("SELECT i, tableoid::regclass::text, k::text FROM " + parent)) {
                while (rows.next()) {
                    String written = keys.get(rows.getInt(1) - 1);
                    BucketMap.Bucket bucket = map.placement().get(placed.bucketOf(KeyValue.ofText(keyType, written)));
                    String expected = partition(parent, bucket);
                    if (!expected.equals(rows.getString(2))) {
                        mismatches.add(written + ": PostgreSQL " + rows.getString(2) + ", pgsteer bucket " + bucket.label());
                    }
                    assertEquals(bucket.shard(), placed.shardOf(KeyValue.ofText(keyType, rows.getString(3))));
                    checked++;
                }
            }
            assertTrue(mismatches.isEmpty(), () -> describe(map.placement()) + ": " + mismatches);
            try (PreparedStatement check = connection.prepareStatement("SELECT count(*) FILTER (WHERE NOT "
                    + "satisfies_hash_partition('" + parent + "'::regclass, m, r, k::" + sqlType + ")) "
                    + "FROM unnest(?::text[], ?::int[], ?::int[]) AS u(k, m, r)")) {
                Integer[] moduli = new Integer[keys.size()];
                Integer[] remainders = new Integer[keys.size()];
                for (int i = 0; i < keys.size(); i++) {
                    BucketMap.Bucket b = map.placement().get(placed.bucketOf(KeyValue.ofText(keyType, keys.get(i))));
                    moduli[i] = b.modulus();
                    remainders[i] = b.remainder();
                }
                check.setArray(1, connection.createArrayOf("text", keys.toArray()));
                check.setArray(2, connection.createArrayOf("int4", moduli));
                check.setArray(3, connection.createArrayOf("int4", remainders));
                try (ResultSet rs = check.executeQuery()) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), () -> "satisfies_hash_partition disagrees with " + describe(map.placement()));
                }
            }
        }
        System.out.printf(Locale.ROOT, "BucketPartitionAgreementIT %-5s %d maps, %d rows: every bucket is PostgreSQL's partition%n",
                sqlType, MAPS_PER_TYPE, checked);
    }

    @Test
    void postgresqlRefusesTheOverlapsAndModuliPgsteerRefuses() throws SQLException {
        Random random = new Random(7);
        int refusedByBoth = 0;
        int gaps = 0;
        for (int n = 0; n < 60; n++) {
            // A few buckets with moduli from 1 to 12: often overlapping, leaving gaps, or of moduli 4 and 6.
            List<BucketMap.Bucket> placement = new ArrayList<>();
            int count = 1 + random.nextInt(6);
            for (int i = 0; i < count; i++) {
                int modulus = List.of(1, 2, 3, 4, 6, 12).get(random.nextInt(6));
                placement.add(new BucketMap.Bucket(modulus, random.nextInt(modulus), SHARDS.get(random.nextInt(3))));
            }
            Optional<BucketMap.Invalid> invalid = BucketMap.check(12, placement);
            boolean gap = invalid.isPresent() && invalid.get().why().startsWith("no bucket holds");
            boolean postgresRefuses = partitioned("int4", placement).isEmpty();
            assertEquals(invalid.isPresent() && !gap, postgresRefuses, () -> describe(placement) + ": pgsteer says "
                    + invalid.map(BucketMap.Invalid::why).orElse("valid"));
            refusedByBoth += postgresRefuses ? 1 : 0;
            gaps += gap ? 1 : 0;
        }
        assertTrue(refusedByBoth > 10 && gaps > 3, "the random maps reach both kinds: " + refusedByBoth + " refused, " + gaps + " gaps");
    }

    /**
     * A map whose moduli divide each other: a random modulus, then buckets split (each into the
     * buckets of the next, larger, modulus of one chain) a few times, each bucket on a random shard.
     */
    private static BucketMap randomValidMap(Random random) {
        int[] chain = new int[4];
        chain[0] = 1 + random.nextInt(4);
        for (int i = 1; i < chain.length; i++) {
            chain[i] = chain[i - 1] * (2 + random.nextInt(2));
        }
        List<int[]> buckets = new ArrayList<>();
        for (int r = 0; r < chain[0]; r++) {
            buckets.add(new int[] {r, 0});
        }
        int splits = random.nextInt(6);
        for (int s = 0; s < splits; s++) {
            int[] b = buckets.get(random.nextInt(buckets.size()));
            if (b[1] == chain.length - 1) {
                continue;
            }
            buckets.remove(b);
            int from = chain[b[1]];
            int to = chain[b[1] + 1];
            for (int r = b[0]; r < to; r += from) {
                buckets.add(new int[] {r, b[1] + 1});
            }
        }
        int largest = buckets.stream().mapToInt(b -> chain[b[1]]).max().orElseThrow();
        return new BucketMap(largest, buckets.stream()
                .map(b -> new BucketMap.Bucket(chain[b[1]], b[0], SHARDS.get(random.nextInt(SHARDS.size())))).toList());
    }

    /** A new table hash-partitioned on k with one partition per bucket; empty when PostgreSQL refuses one. */
    private static Optional<String> partitioned(String sqlType, List<BucketMap.Bucket> placement) throws SQLException {
        String parent = "h" + (++tables);
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE " + parent + " (i int, k " + sqlType + ") PARTITION BY HASH (k)");
            Set<String> made = new HashSet<>();
            for (BucketMap.Bucket b : placement) {
                // The same bucket twice (an overlap too) needs a name of its own to reach PostgreSQL's check.
                String name = made.add(b.label()) ? partition(parent, b) : partition(parent, b) + "_again" + made.size();
                try {
                    s.execute("CREATE TABLE " + name + " PARTITION OF " + parent
                            + " FOR VALUES WITH (MODULUS " + b.modulus() + ", REMAINDER " + b.remainder() + ")");
                } catch (SQLException refused) {
                    // 42P17: "partition ... would overlap", "every hash partition modulus must be a factor of the next larger modulus"
                    assertEquals("42P17", refused.getSQLState(), refused.getMessage());
                    return Optional.empty();
                }
            }
        }
        return Optional.of(parent);
    }

    private static String partition(String parent, BucketMap.Bucket b) {
        return parent + "_" + b.remainder() + "_of_" + b.modulus();
    }

    private static String describe(List<BucketMap.Bucket> placement) {
        return placement.stream().map(BucketMap.Bucket::label).toList().toString();
    }
}
