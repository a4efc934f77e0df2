package dev.pgsteer.config.yaml;

import static dev.pgsteer.config.yaml.ConfigErrorsTest.failure;
import static dev.pgsteer.config.yaml.ConfigErrorsTest.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shard map's problems, each with its file, line and fix. Every file here starts with the three
 * backends s0, s1, s2 (lines 1 to 4) and a fourth, spare, that no database uses (line 5).
 */
class ShardMapErrorsTest {

    private static final String BACKENDS = """
            backends:
              s0: { url: "postgresql://app@h0/shop" }
              s1: { url: "postgresql://app@h1/shop" }
              s2: { url: "postgresql://app@h2/shop" }
              spare: { url: "postgresql://app@h3/shop" }
            """;

    private static ConfigProblem problemIn(String databases) {
        return onlyProblem(failure(BACKENDS + databases));
    }

    private static void assertProblem(ConfigProblem p, int line, String what, String fix) {
        assertEquals(List.of(line, what, fix), List.of(p.line(), p.what(), p.fix()), p.toString());
    }

    @Test
    void theMessageHasFileLineWhatAndFix() {
        ConfigException e = failure(BACKENDS + """
                databases:
                  shop: { shards: [s0, s1], default_shard: s3 }
                """);

        assertEquals("pgsteer.yaml:7: databases.shop.default_shard names shard 's3', which is not defined. "
                + "Fix: did you mean 's0'? use one of databases.shop.shards (s0, s1)", e.getMessage());
    }

    @Test
    void aDefaultShardMustBeOneOfTheDatabasesShards() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    default_shard: spare
                """), 9, "databases.shop.default_shard names shard 'spare', which is not one of databases.shop.shards (s0, s1)",
                "add 'spare' to databases.shop.shards, or use one of s0, s1");
    }

    @Test
    void aRangesShardMustBeDefined() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      events: { key: at, function: range, ranges: [{to: 10, shard: s0}, {shard: s11}] }
                """), 10, "databases.shop.tables.events.ranges[1].shard names shard 's11', which is not defined",
                "did you mean 's1'? use one of databases.shop.shards (s0, s1)");
    }

    @Test
    void aListsShardMustBeAmongTheDatabasesShards() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      regions:
                        key: region
                        function: list
                        lists:
                          eu: s0
                          apac: s2
                """), 15, "databases.shop.tables.regions.lists.apac names shard 's2', which is not one of "
                        + "databases.shop.shards (s0, s1)",
                "add 's2' to databases.shop.shards, or use one of s0, s1");
    }

    @Test
    void aShardedTableNeedsAKey() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders: { function: hash }
                """), 10, "databases.shop.tables.orders has no key",
                "name its shard key column, like { key: customer_id, function: hash }, or write kind: reference "
                        + "for a table copied to every shard");
    }

    @Test
    void aShardedTableNeedsAFunction() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders: { key: customer_id }
                """), 10, "databases.shop.tables.orders has no function",
                "add function: hash, or function: range with ranges:, or function: list with lists:, or function: directory");
    }

    @Test
    void anUnknownFunctionSuggestsTheClosest() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders: { key: customer_id, function: hsah }
                """), 10, "databases.shop.tables.orders.function: 'hsah' is not a sharding function; valid ones are "
                        + "hash, range, list, directory",
                "did you mean 'hash'? use function: hash, range (with ranges:), list (with lists:) or directory");
    }

    @Test
    void anUnknownKind() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      currencies: { kind: copy }
                """), 10, "databases.shop.tables.currencies.kind: 'copy' is not a table kind; valid kinds are "
                        + "sharded, reference",
                "write kind: sharded (with key: and function:) or kind: reference (a full copy on every shard)");
    }

    @Test
    void aReferenceTableTakesNoKeyOrFunction() {
        ConfigException e = failure(BACKENDS + """
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      currencies:
                        kind: reference
                        key: code
                        function: hash
                """);

        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), 12, "databases.shop.tables.currencies is a reference table, so 'key' does not apply",
                "remove key:, or make it a sharded table (remove kind: reference)");
        assertEquals(13, e.problems().get(1).line());
    }

    @Test
    void aRangeTableNeedsRangesAndAListTableLists() {
        ConfigException e = failure(BACKENDS + """
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      events: { key: at, function: range }
                      regions: { key: region, function: list }
                """);

        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), 10, "databases.shop.tables.events uses function range but has no ranges",
                "add ranges: [{to: VALUE, shard: s0}, {shard: s1}] (each range ends before its to:, the last may have none)");
        assertProblem(e.problems().get(1), 11, "databases.shop.tables.regions uses function list but has no lists",
                "add lists: {VALUE: SHARD, ...}, like lists: {eu: s0, us: s1}");
    }

    @Test
    void rangesOrListsForAnotherFunction() {
        ConfigException e = failure(BACKENDS + """
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders:
                        key: customer_id
                        function: hash
                        ranges: [{shard: s0}]
                      events:
                        key: at
                        function: range
                        ranges: [{shard: s0}]
                        lists: {a: s0}
                """);

        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), 13, "databases.shop.tables.orders.ranges does not apply to function hash",
                "remove ranges:, or use function: range");
        assertProblem(e.problems().get(1), 18, "databases.shop.tables.events.lists does not apply to function range",
                "remove lists:, or use function: list");
    }

    @Test
    void onlyTheLastRangeMayBeOpenEnded() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      events:
                        key: at
                        function: range
                        ranges:
                          - { shard: s0 }
                          - { to: 10, shard: s1 }
                """), 14, "databases.shop.tables.events.ranges[0] has no to:, but only the last range may be open-ended",
                "add to: VALUE (where this range ends, exclusive), or move this range to the end of the list");
    }

    @Test
    void onlyTheFirstRangeMayHaveFrom() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      events:
                        key: at
                        function: range
                        ranges:
                          - { from: 0, to: 10, shard: s0 }
                          - { from: 10, shard: s1 }
                """), 15, "databases.shop.tables.events.ranges[1] has from:, which only the first range may have",
                "remove it: each range starts where the previous one's to: ends");
    }

    @Test
    void aRangeNeedsAShard() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      events: { key: at, function: range, ranges: [{to: 5}] }
                """), 10, "databases.shop.tables.events.ranges[0] has no shard", "add shard: NAME, one of s0, s1");
    }

    @Test
    void unorderedDateBoundsAreComparedAsDates() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1, s2]
                    tables:
                      events:
                        key: created_at
                        function: range
                        ranges:
                          - { to: '2025-01-01', shard: s0 }
                          - { to: '2024-06-01', shard: s1 }
                          - { shard: s2 }
                """), 15, "databases.shop.tables.events.ranges[1].to ('2024-06-01') is not above the bound before it "
                        + "('2025-01-01', line 14) as date values",
                "list the ranges in increasing order, each to: above the one before, so that they do not overlap");
    }

    @Test
    void integerBoundsAreComparedAsNumbersAndAnEqualBoundOverlaps() {
        ConfigException e = failure(BACKENDS + """
                databases:
                  shop:
                    shards: [s0, s1, s2]
                    tables:
                      ok: { key: n, function: range, ranges: [{to: 9, shard: s0}, {to: 10, shard: s1}] }
                      same: { key: n, function: range, ranges: [{from: 10, to: 10, shard: s0}, {shard: s1}] }
                """);

        ConfigProblem p = onlyProblem(e);
        assertEquals(11, p.line());
        assertEquals("databases.shop.tables.same.ranges[0].to ('10') is not above the bound before it ('10', line 11) "
                + "as integer values", p.what());
    }

    @Test
    void aBoundMustBeOfTheDeclaredType() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      events:
                        key: created_at
                        function: range
                        type: date
                        ranges: [{to: soon, shard: s0}, {shard: s1}]
                """), 14, "databases.shop.tables.events.ranges[0].to: 'soon' is not a date (YYYY-MM-DD)",
                "write bounds of the key's type date, like '2025-01-01', or change type:");
    }

    @Test
    void aListValueGivenTwiceIsReportedOnTheSecond() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      regions:
                        key: region
                        function: list
                        lists:
                          eu: s0
                          eu: s1
                """), 15, "'eu' is given twice in databases.shop.tables.regions.lists",
                "keep one of them (the other is on line 14)");
    }

    @Test
    void aListValueGivenTwiceInFlowStyleToo() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      regions: { key: region, function: list,
                                 lists: {eu: s0,
                                         eu: s1} }
                """), 12, "'eu' is given twice in databases.shop.tables.regions.lists",
                "keep one of them (the other is on line 11)");
    }

    @Test
    void listValuesMustBeOfTheDeclaredTypeAndDistinctAsSuch() {
        ConfigException e = failure(BACKENDS + """
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      codes:
                        key: code
                        function: list
                        type: integer
                        lists:
                          1: s0
                          one: s1
                          01: s1
                """);

        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), 16, "databases.shop.tables.codes.lists: 'one' is not an integer",
                "write values of the key's type integer, like 1000, or change type:");
        assertProblem(e.problems().get(1), 17, "databases.shop.tables.codes.lists: '01' is the same integer as '1' (line 15)",
                "keep one of them");
    }

    @Test
    void hashSupportsIntegerTextAndUuidOnly() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      events: { key: created_at, function: hash, type: timestamptz }
                """), 10, "databases.shop.tables.events: hash sharding does not support key type timestamptz",
                "use function: range or list for a timestamptz key, or hash a key of type integer, text or uuid");
    }

    @Test
    void anUnknownType() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders: { key: customer_id, function: hash, type: numeric }
                """), 10, "databases.shop.tables.orders.type: 'numeric' is not a key type routing supports",
                "use one of integer, text, uuid, date, timestamp, timestamptz (or a PostgreSQL name like bigint, int4, "
                        + "varchar), or leave type: out to learn it from the backends' catalogs");
    }

    @Test
    void tableNamesAreCaseInsensitive() {
        assertProblem(problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders: { key: customer_id, function: hash }
                      Orders: { key: customer_id, function: hash }
                """), 11, "databases.shop.tables lists table 'orders' twice (as 'orders' on line 10)",
                "table names are case-insensitive; keep one entry");
    }

    @Test
    void anUnknownTableKeySuggestsTheClosest() {
        ConfigProblem p = problemIn("""
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders: { key: customer_id, function: hash, shard_key: x }
                """);

        assertEquals(10, p.line());
        assertEquals("unknown key 'shard_key' in databases.shop.tables.orders", p.what());
        assertEquals("remove it; valid keys in databases.shop.tables.orders are kind, key, function, type, ranges, lists, buckets, placement, group, unknown",
                p.fix());
    }

    @Test
    void thePassthroughEntryCannotBeSharded() {
        ConfigException e = failure(BACKENDS + """
                databases:
                  "*": { shards: [s0, s1] }
                """);
        assertProblem(onlyProblem(e), 7,
                "the passthrough entry \"*\" cannot be sharded: it relays every other database name to one backend",
                "give \"*\" exactly one backend and no tables, and list the sharded database under its own name");

        ConfigProblem tables = problemIn("""
                databases:
                  "*":
                    shards: [s0]
                    tables: { currencies: { kind: reference } }
                """);
        assertEquals(9, tables.line());
    }
}
