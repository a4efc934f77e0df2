package dev.pgsteer.router.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction.RangeBound;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShardChooserTest {

    private static final List<String> SHARDS = List.of("s0", "s1", "s2");

    private static final TableConfig.Sharded USERS = new TableConfig.Sharded("users", "id", new ShardFunction.Hash(), KeyType.INTEGER);
    private static final TableConfig.Sharded EVENTS = new TableConfig.Sharded("events", "id", new ShardFunction.Range(List.of(
            new RangeBound("10", "20", "s0"),
            new RangeBound(null, "30", "s1"),
            new RangeBound(null, "40", "s2"))), KeyType.INTEGER);
    private static final TableConfig.Sharded LOGS = new TableConfig.Sharded("logs", "day", new ShardFunction.Range(List.of(
            new RangeBound(null, "2024-01-01", "s0"),
            new RangeBound(null, null, "s1"))), KeyType.DATE);
    private static final TableConfig.Sharded REGIONS = new TableConfig.Sharded("regions", "region",
            new ShardFunction.ListOf(ordered("eu", "s0", "us", "s1", "apac", "s2")), KeyType.TEXT);
    private static final TableConfig.Sharded TIERS = new TableConfig.Sharded("tiers", "tier",
            new ShardFunction.ListOf(ordered("1", "s0", "2", "s1", "gold", "s2")), null);

    private final ShardChooser chooser = new ShardChooser(database(USERS, EVENTS, LOGS, REGIONS, TIERS));

    @ParameterizedTest(name = "id {0} -> {1}")
    @CsvSource({
            // remainders modulo 3 as PostgreSQL computes them (see PgHashTest)
            "0, s2", "1, s2", "42, s0", "-1, s2", "9223372036854775807, s0", "-9223372036854775808, s1"})
    void hashPicksTheShardAtTheRemainder(long id, String shard) {
        assertEquals(shard, chooser.shardOf(USERS, new KeyValue.Int(id)));
        assertEquals(SHARDS.get(PgHash.remainder(new KeyValue.Int(id), 3)), shard);
    }

    @Test
    void hashOfTextAndUuid() {
        TableConfig.Sharded byName = new TableConfig.Sharded("named", "name", new ShardFunction.Hash(), KeyType.TEXT);
        ShardChooser c = new ShardChooser(database(byName));
        assertEquals("s1", c.shardOf(byName, KeyValue.ofText(KeyType.TEXT, "mars")));
        assertEquals("s2", c.shardOf(byName, KeyValue.ofText(KeyType.TEXT, "")));
    }

    @ParameterizedTest(name = "id {0} -> {1}")
    @CsvSource({"10, s0", "19, s0", "20, s1", "29, s1", "30, s2", "39, s2"})
    void rangesHoldFromInclusiveToExclusive(long id, String shard) {
        assertEquals(shard, chooser.shardOf(EVENTS, new KeyValue.Int(id)));
    }

    @Test
    void rangesWithoutLowerOrUpperEnd() {
        assertEquals("s0", chooser.shardOf(LOGS, KeyValue.ofText(KeyType.DATE, "-infinity")));
        assertEquals("s0", chooser.shardOf(LOGS, KeyValue.ofText(KeyType.DATE, "2023-12-31")));
        assertEquals("s1", chooser.shardOf(LOGS, KeyValue.ofText(KeyType.DATE, "2024-01-01")));
        assertEquals("s1", chooser.shardOf(LOGS, KeyValue.ofText(KeyType.DATE, "infinity")));
    }

    @Test
    void valuesOutsideTheRangesAreNamedInTheError() {
        UnmatchedKeyException below = assertThrows(UnmatchedKeyException.class, () -> chooser.shardOf(EVENTS, new KeyValue.Int(9)));
        assertEquals("no shard of table \"events\" holds id = 9; its ranges hold values from 10 (inclusive) to 40 (exclusive)",
                below.getMessage());
        UnmatchedKeyException above = assertThrows(UnmatchedKeyException.class, () -> chooser.shardOf(EVENTS, new KeyValue.Int(40)));
        assertEquals("events", above.table());
        assertEquals(new KeyValue.Int(40), above.value());
    }

    @Test
    void listsMatchTypedValues() {
        assertEquals("s0", chooser.shardOf(REGIONS, new KeyValue.Text("eu")));
        assertEquals("s2", chooser.shardOf(REGIONS, new KeyValue.Text("apac")));
        // The type is not known: '1' in the list is the integer 1 for an integer key, and 'gold' is text.
        assertEquals("s0", chooser.shardOf(TIERS, new KeyValue.Int(1)));
        assertEquals("s1", chooser.shardOf(TIERS, KeyValue.ofText(KeyType.INTEGER, " 02 ")));
        assertEquals("s2", chooser.shardOf(TIERS, new KeyValue.Text("gold")));
        assertEquals("s0", chooser.shardOf(TIERS, new KeyValue.Text("1")));
    }

    @Test
    void valuesNotInTheListAreNamedInTheError() {
        UnmatchedKeyException e = assertThrows(UnmatchedKeyException.class, () -> chooser.shardOf(REGIONS, new KeyValue.Text("mars")));
        assertEquals("no shard of table \"regions\" holds region = 'mars'; its list has eu, us, apac", e.getMessage());
        assertThrows(UnmatchedKeyException.class, () -> chooser.shardOf(TIERS, new KeyValue.Int(3)));
    }

    @Test
    void preparedTablesAreReused() {
        assertSame(chooser.table(EVENTS), chooser.table(EVENTS));
        assertSame(chooser.table(EVENTS), chooser.table(new TableConfig.Sharded("events", "id", EVENTS.function(), KeyType.INTEGER)));
        // the same table with its key type learned since is prepared afresh
        TableConfig.Sharded tiersAsText = TIERS.withKeyType(KeyType.TEXT);
        assertEquals("s0", chooser.shardOf(tiersAsText, new KeyValue.Text("1")));
    }

    @Test
    void boundsThatAreNotOfTheKeyTypeAreConfigurationErrors() {
        TableConfig.Sharded bad = new TableConfig.Sharded("events", "id",
                new ShardFunction.Range(List.of(new RangeBound(null, "ten", "s0"))), KeyType.INTEGER);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ShardChooser(database(bad)));
        assertEquals("table \"events\": range bound 'ten' is not a valid integer shard key", e.getMessage());

        TableConfig.Sharded unordered = new TableConfig.Sharded("events", "id", new ShardFunction.Range(List.of(
                new RangeBound(null, "20", "s0"), new RangeBound(null, "10", "s1"))), KeyType.INTEGER);
        assertThrows(IllegalArgumentException.class, () -> new ShardChooser(database(unordered)));

        TableConfig.Sharded unknownShard = new TableConfig.Sharded("regions", "region",
                new ShardFunction.ListOf(Map.of("eu", "s9")), KeyType.TEXT);
        assertThrows(IllegalArgumentException.class, () -> new ShardChooser(database(unknownShard)));
    }

    @Test
    void aValueWhoseTypeTheBoundsDoNotHaveIsRefused() {
        TableConfig.Sharded untyped = new TableConfig.Sharded("names", "name", new ShardFunction.Range(List.of(
                new RangeBound(null, "m", "s0"), new RangeBound(null, null, "s1"))), null);
        ShardChooser c = new ShardChooser(database(untyped));
        assertEquals("s0", c.shardOf(untyped, new KeyValue.Text("alice")));
        InvalidShardKeyException e = assertThrows(InvalidShardKeyException.class, () -> c.shardOf(untyped, new KeyValue.Int(5)));
        assertEquals("cannot place name = 5 in table \"names\": range bound 'm' is not a valid integer shard key",
                e.getMessage());
    }

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            42                    | INTEGER
            -7                    | INTEGER
            " 12 "                | INTEGER
            12a                   | TEXT
            ""                    | TEXT
            99999999999999999999  | TEXT
            a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 | TEXT
            """)
    void keyTypeFallsBackToAGuessFromTheLiteral(String literal, KeyType type) {
        assertEquals(type, ShardChooser.keyTypeOf(TIERS, literal == null ? "" : literal));
        assertEquals(KeyType.TEXT, ShardChooser.keyTypeOf(REGIONS, "42"));
    }

    private static DatabaseConfig database(TableConfig.Sharded... tables) {
        Map<String, TableConfig> map = new LinkedHashMap<>();
        for (TableConfig.Sharded t : tables) {
            map.put(t.name(), t);
        }
        return new DatabaseConfig("app", SHARDS, null, map, null, pool());
    }

    private static PoolConfig pool() {
        return PoolConfig.defaults();
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
