package dev.pgsteer.proxy.sharding.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMapEdits;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.RouteContext;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A transaction's shard map across changes, with real routers and PostgreSQL's hash. orders and
 * items (co-located) have 12 buckets, bucket b on s(b mod 3); integer key 5 is in bucket 5 (s2), key
 * 3 in bucket 1 (s1) ({@code BucketRoutingTest} tabulates them).
 */
class TransactionMapTest {
    static final List<String> SHARDS = List.of("s0", "s1", "s2");
    static final BucketMap TWELVE = BucketMap.even(12, SHARDS);
    static final DatabaseConfig SHOP = shop();

    private final ShardTransaction tx = new ShardTransaction(null, null, new EmbeddedChannel().eventLoop(), null);
    private long version = 1;
    private final TransactionMap map = new TransactionMap(() -> version);

    private static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(TWELVE), KeyType.INTEGER));
        tables.put("items", new TableConfig.Sharded("items", "customer_id", new ShardFunction.Hash(TWELVE), KeyType.INTEGER));
        tables.put("currencies", new TableConfig.Reference("currencies"));
        return new DatabaseConfig("shop", SHARDS, "s0", tables, null, PoolConfig.defaults());
    }

    /** The routers of the versions: version 1 is the file's map. */
    private static Router at(BucketMap orders) {
        DatabaseConfig config = BucketMaps.NONE.with("shop", Map.of("orders", orders, "items", orders), 2).applyTo(SHOP);
        return new Router(ShardRouter.of(config, 100));
    }

    private Command run(Router router, String sql) {
        LexedStatement statement = SqlLexer.statement(sql);
        Command routed = router.route(statement, KeySource.Placeholders.NONE, new RouteContext(Set.of(), false, false));
        return map.admit(routed, tx, router, statement, KeySource.Placeholders.NONE, null);
    }

    private static String refusal(Command command) {
        Command.Refused refused = assertInstanceOf(Command.Refused.class, command);
        assertEquals("40001", refused.sqlState());
        return refused.reason();
    }

    @Test
    void aTransactionReachingTheBucketThatMovedIsRefusedAndOneReachingAnotherGoesOn() {
        Router v1 = at(TWELVE);
        Router v2 = at(BucketMapEdits.move(TWELVE, TWELVE.placement().get(5), "s0"));
        tx.beginExplicit("BEGIN");
        assertInstanceOf(Command.Run.class, run(v1, "SELECT * FROM orders WHERE customer_id = 5"));
        version = 2;

        assertInstanceOf(Command.Run.class, run(v2, "SELECT * FROM orders WHERE customer_id = 3"));
        assertInstanceOf(Command.Run.class, run(v2, "INSERT INTO items (customer_id) VALUES (3)"));
        assertInstanceOf(Command.Run.class, run(v2, "SELECT * FROM currencies"));
        assertEquals("could not serialize access: bucket 5 of 12 of table orders moved from s2 to s0 after this transaction "
                + "started (shard map version 1, now 2); retry the transaction", refusal(run(v2, "UPDATE orders SET total = 1 WHERE customer_id = 5")));
        assertTrue(refusal(run(v2, "INSERT INTO items (customer_id) VALUES (3), (5)")).contains("bucket 5 of 12 of table items"));
        assertTrue(refusal(run(v2, "SELECT count(*) FROM orders")).contains("every bucket of the table"));
        assertInstanceOf(Command.Commit.class, run(v2, "COMMIT"));
    }

    @Test
    void outsideATransactionAndInTheNextOneTheNewMapIsSimplyUsed() {
        Router v1 = at(TWELVE);
        Router v2 = at(BucketMapEdits.move(TWELVE, TWELVE.placement().get(5), "s0"));
        assertInstanceOf(Command.Run.class, run(v1, "SELECT * FROM orders WHERE customer_id = 5"));
        assertInstanceOf(Command.Run.class, run(v2, "SELECT * FROM orders WHERE customer_id = 5"));

        tx.beginExplicit("BEGIN");
        assertInstanceOf(Command.Run.class, run(v1, "SELECT * FROM orders WHERE customer_id = 3"));
        tx.end();
        tx.beginExplicit("BEGIN");
        assertInstanceOf(Command.Run.class, run(v2, "SELECT * FROM orders WHERE customer_id = 5"));
        assertInstanceOf(Command.Run.class, run(v2, "SELECT count(*) FROM orders"));
    }

    @Test
    void aSplitMovesNothingAndThenOnlyTheHalfThatMovesIsRefused() {
        Router v1 = at(TWELVE);
        BucketMap split = BucketMapEdits.split(TWELVE, 24);
        Router v2 = at(split);
        int cellOf5 = PgHash.remainder(new KeyValue.Int(5), 24);
        int otherHalf = (cellOf5 + 12) % 24;
        Router v3other = at(BucketMapEdits.move(split, split.placement().get(otherHalf), "s1"));
        Router v3 = at(BucketMapEdits.move(split, split.placement().get(cellOf5), "s1"));
        tx.startImplicit();
        assertInstanceOf(Command.Run.class, run(v1, "SELECT * FROM orders WHERE customer_id = 5"));

        Command afterSplit = run(v2, "SELECT * FROM orders WHERE customer_id = 5");
        assertInstanceOf(Command.Run.class, afterSplit);
        assertEquals(List.of("s2"), ((Command.Run) afterSplit).route().shards());
        assertInstanceOf(Command.Run.class, run(v2, "SELECT count(*) FROM orders"));
        // The transaction took the split map as its own: a move of the other half of 5's old bucket is not its.
        assertInstanceOf(Command.Run.class, run(v3other, "SELECT * FROM orders WHERE customer_id = 5"));
        assertTrue(refusal(run(v3, "DELETE FROM orders WHERE customer_id = 5")).contains("bucket " + cellOf5 + " of 24 of table orders moved from s2 to s1"));
    }

    @Test
    void theSameMapAsTheTransactionsCostsOneComparison() {
        Router v1 = at(TWELVE);
        tx.beginExplicit("BEGIN");
        Command first = run(v1, "SELECT * FROM orders WHERE customer_id = 5");
        LexedStatement statement = SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 7");
        Command routed = v1.route(statement, KeySource.Placeholders.NONE, new RouteContext(Set.of(), false, false));
        assertSame(routed, map.admit(routed, tx, v1, statement, KeySource.Placeholders.NONE, null));
        assertInstanceOf(Command.Run.class, first);
    }
}
