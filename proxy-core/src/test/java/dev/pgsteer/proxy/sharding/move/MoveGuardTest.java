package dev.pgsteer.proxy.sharding.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.MoveHold;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.config.store.MovesState;
import dev.pgsteer.proxy.sharding.StatementGuard.Check;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.RouteContext;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The guard with real routers: orders and items (co-located) in 12 buckets, bucket b on s(b mod 3);
 * integer key 5 is in bucket 5 (s2), key 3 in bucket 1; move 9 takes bucket 5 from s2 to s0.
 */
class MoveGuardTest {
    static final List<String> SHARDS = List.of("s0", "s1", "s2");
    static final BucketMap TWELVE = BucketMap.even(12, SHARDS);
    static final Router ROUTER = new Router(ShardRouter.of(shop(), 100));
    static final MoveRecord MOVE = new MoveRecord(9, "bucket", "shop", List.of("orders", "items"),
            List.of("customer_id", "customer_id"), "integer", 12, 5, "s2", "s0", "copying", "n1", null, null, null, List.of(), 0,
            null, 0, null, null, null, 0, null, false, null, null, null);

    private long version = 2;
    private final MoveGuard guard = new MoveGuard(() -> version, Duration.ofSeconds(10));

    private static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(TWELVE), KeyType.INTEGER));
        tables.put("items", new TableConfig.Sharded("items", "customer_id", new ShardFunction.Hash(TWELVE), KeyType.INTEGER));
        tables.put("events", new TableConfig.Sharded("events", "id", new ShardFunction.Hash(TWELVE), KeyType.INTEGER));
        tables.put("currencies", new TableConfig.Reference("currencies"));
        return new DatabaseConfig("shop", SHARDS, "s0", tables, null, PoolConfig.defaults());
    }

    private Check check(String sql, long transactionSince) {
        LexedStatement statement = SqlLexer.statement(sql);
        Command routed = ROUTER.route(statement, KeySource.Placeholders.NONE, new RouteContext(Set.of(), false, false));
        return guard.check("shop", routed, ROUTER, statement, KeySource.Placeholders.NONE, null, transactionSince);
    }

    private Check check(String sql) {
        return check(sql, Long.MAX_VALUE);
    }

    @Test
    void withoutAMoveNothingIsGuarded() {
        assertFalse(guard.active("shop"));
        guard.update(new MovesState(List.of(MOVE), List.of()));
        assertTrue(guard.active("shop"));
        assertFalse(guard.active("other"));
        assertEquals(List.of("guard"), guard.acknowledgements(9));
    }

    @Test
    void aQueuedMoveGuardsNothing() {
        MoveRecord queued = new MoveRecord(10, "bucket", "shop", List.of("orders", "items"), List.of("customer_id", "customer_id"),
                null, 12, 2, "s2", "s1", "queued", "n1", null, null, null, List.of(), 0, null, 0, null, null, null, 0, null, false,
                null, null, null);
        guard.update(new MovesState(List.of(queued), List.of()));
        assertFalse(guard.active("shop"));
        assertEquals(List.of(), guard.acknowledgements(10));
        assertInstanceOf(Check.Go.class, check("SELECT count(*) FROM orders"));
    }

    @Test
    void whatWouldChangeTheBucketOnBothShardsIsRefusedForTheWholeMove() {
        guard.update(new MovesState(List.of(MOVE), List.of()));
        for (String sql : List.of("UPDATE items SET sku = 'y'", "DELETE FROM orders WHERE total > 3",
                "ALTER TABLE orders ADD COLUMN note text")) {
            Command.Refused refused = assertInstanceOf(Check.Refuse.class, check(sql), sql).refused();
            assertEquals("0A000", refused.sqlState(), sql);
            assertTrue(refused.reason().contains("bucket 5 of 12 of table") && refused.reason().contains("move 9"), refused.reason());
        }
        // A read that would be merged from both copies goes through the coordinator step, which leaves the copy out.
        for (String sql : List.of("SELECT count(*) FROM orders", "SELECT sum(total) FROM orders o JOIN items i USING (customer_id)")) {
            Check.Instead instead = assertInstanceOf(Check.Instead.class, check(sql), sql);
            assertInstanceOf(Command.Coordinate.class, instead.command(), sql);
        }
        // By key, another table, a reference table: on their way.
        for (String sql : List.of("SELECT * FROM orders WHERE customer_id = 5", "INSERT INTO orders (customer_id, id, total) VALUES (5, 1, 1)",
                "SELECT count(*) FROM events", "SELECT * FROM currencies", "UPDATE orders SET total = 1 WHERE customer_id = 3")) {
            assertInstanceOf(Check.Go.class, check(sql), sql);
        }
    }

    @Test
    void aHoldMakesNewWritesOfTheBucketWaitUntilReleasedAndRoutedByTheFlippedMap() {
        guard.update(new MovesState(List.of(MOVE), List.of(new MoveHold(9, 1, false, 0))));
        assertEquals(List.of("guard", "hold 1"), guard.acknowledgements(9));
        Check.Wait wait = assertInstanceOf(Check.Wait.class, check("INSERT INTO items (customer_id, id, sku) VALUES (5, 1, 'x')"));
        assertEquals("55P03", wait.timedOut().sqlState());
        assertInstanceOf(Check.Wait.class, check("UPDATE orders SET total = 2 WHERE customer_id = 5"));
        // Reads of the bucket and writes of other buckets never wait.
        assertInstanceOf(Check.Go.class, check("SELECT * FROM orders WHERE customer_id = 5"));
        assertInstanceOf(Check.Go.class, check("INSERT INTO orders (customer_id, id, total) VALUES (3, 1, 1)"));
        // A transaction begun before the hold may have written the bucket: the fence on the source waits for it.
        assertInstanceOf(Check.Go.class, check("INSERT INTO orders (customer_id, id, total) VALUES (5, 2, 1)", System.nanoTime() - 1_000_000_000L));
        assertInstanceOf(Check.Wait.class, check("INSERT INTO orders (customer_id, id, total) VALUES (5, 2, 1)", System.nanoTime() + 1_000_000L));

        guard.update(new MovesState(List.of(MOVE), List.of(new MoveHold(9, 1, true, 3))));
        assertFalse(wait.released().isDone(), "released at version 3, this instance routes by 2");
        version = 3;
        guard.mapsApplied();
        assertTrue(wait.released().isDone());
        assertInstanceOf(Check.Go.class, check("INSERT INTO items (customer_id, id, sku) VALUES (5, 1, 'x')"));
    }

    @Test
    void aGivenUpAttemptOrAFinishedMoveLetsItsWritesGo() {
        guard.update(new MovesState(List.of(MOVE), List.of(new MoveHold(9, 1, false, 0))));
        Check.Wait first = assertInstanceOf(Check.Wait.class, check("INSERT INTO items (customer_id, id, sku) VALUES (5, 1, 'x')"));
        guard.update(new MovesState(List.of(MOVE), List.of(new MoveHold(9, 1, true, 0))));
        assertTrue(first.released().isDone());
        guard.update(new MovesState(List.of(MOVE), List.of(new MoveHold(9, 1, true, 0), new MoveHold(9, 2, false, 0))));
        Check.Wait second = assertInstanceOf(Check.Wait.class, check("INSERT INTO items (customer_id, id, sku) VALUES (5, 1, 'x')"));
        guard.update(MovesState.NONE);
        assertTrue(second.released().isDone());
        assertFalse(guard.active("shop"));
    }

    /** shop with a fourth shard s3 added empty (no bucket of any group), as ADD SHARD leaves it. */
    static final Router GROWN = new Router(ShardRouter.of(new DatabaseConfig("shop", List.of("s0", "s1", "s2", "s3"), "s0",
            shop().tables(), null, PoolConfig.defaults()), 100));

    private Check checkGrown(String sql) {
        LexedStatement statement = SqlLexer.statement(sql);
        Command routed = GROWN.route(statement, KeySource.Placeholders.NONE, new RouteContext(Set.of(), false, false));
        return guard.check("shop", routed, GROWN, statement, KeySource.Placeholders.NONE, null, Long.MAX_VALUE);
    }

    private static MoveRecord toFresh(String phase) {
        return new MoveRecord(11, "bucket", "shop", List.of("orders", "items"), List.of("customer_id", "customer_id"), "integer", 12,
                5, "s2", "s3", phase, "n1", null, null, null, List.of(), 0, null, 0, null, null, null, 0, null, false, null, null, null);
    }

    @Test
    void beforeItsFlipAMoveToAShardWithoutBucketsOfTheGroupLetsScansGoForTheyDoNotReachTheCopy() {
        guard.update(new MovesState(List.of(toFresh("copying")), List.of()));
        for (String sql : List.of("SELECT count(*) FROM orders", "SELECT sum(total) FROM orders o JOIN items i USING (customer_id)",
                "UPDATE items SET sku = 'y'", "DELETE FROM orders WHERE total > 3")) {
            assertInstanceOf(Check.Go.class, checkGrown(sql), sql);
        }
        // DDL reaches every shard, the target's copy too.
        assertInstanceOf(Check.Refuse.class, checkGrown("ALTER TABLE orders ADD COLUMN note text"));
        // A keyless write waits for the cutover's hold as a write by key does.
        guard.update(new MovesState(List.of(toFresh("holding")), List.of(new MoveHold(11, 1, false, 0))));
        assertInstanceOf(Check.Wait.class, checkGrown("UPDATE items SET sku = 'y'"));
        assertInstanceOf(Check.Go.class, checkGrown("SELECT count(*) FROM orders"));
    }

    @Test
    void afterItsFlipTheSourceHoldsTheCopyUntilTheMoveIsDone() {
        // The router's map is the flipped one's only after the flip; the source s2 keeps other buckets and the copy.
        guard.update(new MovesState(List.of(toFresh("cleaning")), List.of()));
        assertInstanceOf(Command.Coordinate.class, assertInstanceOf(Check.Instead.class, checkGrown("SELECT count(*) FROM orders")).command());
        assertInstanceOf(Check.Refuse.class, checkGrown("UPDATE items SET sku = 'y'"));
    }

    @Test
    void theCoordinatorsPullsLeaveOutTheCopyOfTheShardRoutingDoesNotGiveTheBucketTo() {
        guard.update(new MovesState(List.of(MOVE), List.of()));
        // The map in force has bucket 5 on s2, the source: the target s0 holds the copy.
        String hide = "coalesce(NOT pg_catalog.satisfies_hash_partition((SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = "
                + "'pgsteer_move_9_hash' AND c.relkind = 'p' LIMIT 1)::pg_catalog.regclass, 12, 5, \"customer_id\"), true)";
        assertEquals(List.of(hide), guard.hidden("shop", shop(), "orders", "s0"));
        assertEquals(List.of(hide), guard.hidden("shop", shop(), "items", "s0"));
        assertEquals(List.of(), guard.hidden("shop", shop(), "orders", "s2"));
        assertEquals(List.of(), guard.hidden("shop", shop(), "events", "s0"), "another group");
        assertEquals(List.of(), guard.hidden("other", shop(), "orders", "s0"), "another database");
        // Once this instance routes by the flipped map (bucket 5 on s0), the source s2 holds the copy, whatever phase it has heard of.
        Map<String, TableConfig> flipped = new LinkedHashMap<>();
        List<BucketMap.Bucket> placement = new ArrayList<>(TWELVE.placement());
        placement.replaceAll(b -> b.modulus() == 12 && b.remainder() == 5 ? new BucketMap.Bucket(12, 5, "s0") : b);
        BucketMap moved = new BucketMap(12, placement);
        flipped.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(moved), KeyType.INTEGER));
        flipped.put("items", new TableConfig.Sharded("items", "customer_id", new ShardFunction.Hash(moved), KeyType.INTEGER));
        DatabaseConfig after = new DatabaseConfig("shop", SHARDS, "s0", flipped, null, PoolConfig.defaults());
        assertEquals(List.of(hide), guard.hidden("shop", after, "orders", "s2"));
        assertEquals(List.of(), guard.hidden("shop", after, "orders", "s0"));
    }

    /** A tenant move's hold: its sessions wait until the hold's release is in this instance's directories, others never. */
    @Test
    void aTenantsHoldIsReleasedOnceThisInstanceRoutesTheTenantToTheTarget() {
        String[] shardOf = {"s0"};
        long[] keysSeen = {0};
        guard.placement(new LocalPlacement() {
            @Override
            public String tenantShard(String id) {
                return id.equals("acme") ? shardOf[0] : "s1";
            }

            @Override
            public long keysSeen() {
                return keysSeen[0];
            }
        });
        MoveRecord tenant = new MoveRecord(12, "tenant", "saas", List.of("projects"), List.of("tenant_id"), "text", 1, 0, "s0", "s2",
                "holding", "n1", null, null, null, List.of(), 0, null, 0, null, null, null, 1, null, false, null, null, null, "acme",
                "acme", null);
        guard.update(new MovesState(List.of(tenant), List.of(new MoveHold(12, 1, false, 0))));
        assertTrue(guard.tenantsMoving());
        var held = guard.tenantHold("saas", "acme");
        assertTrue(held != null && !held.isDone());
        assertEquals(null, guard.tenantHold("saas", "globex"), "another tenant is never held");
        assertEquals(null, guard.tenantHold("other", "acme"));
        // Flipped at key directory version 40: this instance acknowledges it routes by the flip once both of its
        // directories have it, and lets the statements go once the hold is released to it.
        MoveRecord flipped = new MoveRecord(12, "tenant", "saas", List.of("projects"), List.of("tenant_id"), "text", 1, 0, "s0", "s2",
                "flipped", "n1", null, null, null, List.of(), 0, null, 0, null, null, null, 1, 40L, false, null, null, null, "acme",
                "acme", null);
        guard.update(new MovesState(List.of(flipped), List.of(new MoveHold(12, 1, false, 0))));
        assertFalse(guard.acknowledgements(12).contains("routes"));
        shardOf[0] = "s2";
        guard.placementChanged();
        assertFalse(guard.acknowledgements(12).contains("routes"), "the key directory is behind");
        // Released in the store (another instance did not acknowledge in time): still held here until it routes by the flip.
        guard.update(new MovesState(List.of(flipped), List.of(new MoveHold(12, 1, true, 40))));
        assertFalse(held.isDone(), "held until this instance routes by the flip");
        keysSeen[0] = 40;
        guard.placementChanged();
        assertTrue(held.isDone());
        assertTrue(guard.acknowledgements(12).contains("routes"));
    }
}
