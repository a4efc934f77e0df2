package dev.pgsteer.proxy.sharding.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.send.SimpleSender;
import dev.pgsteer.proxy.testkit.ClientWire;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.PulledTable;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** EXPLAIN ROUTE answers where a statement would run, as rows pgsteer writes itself, without running it. */
class ExplainRouteCommandTest {
    private final ClientWire client = new ClientWire();
    private final ClientReplies replies = new ClientReplies(client.channel(), () -> {
        throw new AssertionError("EXPLAIN ROUTE does not fail");
    });
    private boolean inTransaction;
    private final ExplainRouteCommand explainRoute = new ExplainRouteCommand(replies, () -> inTransaction);
    private final SimpleSender query = new SimpleSender(SqlLexer.statement("EXPLAIN ROUTE SELECT 1"));
    private int answered;

    @Test
    void oneRowSaysTheShardsTheAnswerAndWhy() {
        explainRoute.run(Route.one("s2", StatementKind.READ, "customer_id = 7 hashes to s2"), query, () -> answered++);
        assertEquals(List.of("T shards,answer,reason", "D s2|one|customer_id = 7 hashes to s2", "C EXPLAIN ROUTE 1"),
                client.messages());
        assertEquals(1, answered);
    }

    @Test
    void aStatementRewrittenPerShardGetsARowPerShardWithItsText() {
        Route split = new Route(List.of("s1", "s2"), Answer.COMBINE, StatementKind.WRITE, "rows of a multi-row INSERT by key",
                Map.of("s1", "INSERT INTO orders VALUES (1)", "s2", "INSERT INTO orders VALUES (2)"), null);
        explainRoute.run(split, query, () -> answered++);
        List<String> messages = client.messages();
        assertEquals(List.of("T shards,answer,reason", "D s1, s2|combine|rows of a multi-row INSERT by key"), messages.subList(0, 2));
        assertEquals(Set.of("D s1|runs|INSERT INTO orders VALUES (1)", "D s2|runs|INSERT INTO orders VALUES (2)"),
                Set.copyOf(messages.subList(2, 4)));
        assertEquals("C EXPLAIN ROUTE 3", messages.get(4));
        assertEquals(1, answered);
    }

    /**
     * The coordinator step, in the order its statements run: the temporary tables on the coordinator,
     * each other shard's rows of each table pulled into them, the client's statement unchanged, the
     * ROLLBACK that drops them.
     */
    @Test
    void aCoordinatedStatementShowsEachStepWhereItRunsAndItsSql() {
        Command.Coordinate coordinate = new Command.Coordinate(List.of(sharded("orders"), sharded("items")), "s0");
        String statement = "SELECT count(DISTINCT o.status) FROM orders o JOIN items i ON i.sku = o.sku";
        explainRoute.run(new Command.ExplainCoordinated(coordinate, List.of("s0", "s1", "s2"),
                "pgsteer cannot merge count(DISTINCT ...)", statement), query, () -> answered++);
        assertEquals(List.of(
                "T shards,answer,reason",
                "D s0, s1, s2|coordinator|pgsteer cannot merge count(DISTINCT ...); the coordinator step runs it on s0 "
                        + "over the rows of orders, items pulled from every shard",
                "D s0|creates|BEGIN; CREATE TEMP TABLE orders (LIKE orders) ON COMMIT DROP; INSERT INTO pg_temp.orders "
                        + "SELECT * FROM orders; CREATE TEMP TABLE items (LIKE items) ON COMMIT DROP; INSERT INTO pg_temp.items "
                        + "SELECT * FROM items",
                "D s1|pulled into s0|COPY (SELECT * FROM orders) TO STDOUT (FORMAT binary)",
                "D s1|pulled into s0|COPY (SELECT * FROM items) TO STDOUT (FORMAT binary)",
                "D s2|pulled into s0|COPY (SELECT * FROM orders) TO STDOUT (FORMAT binary)",
                "D s2|pulled into s0|COPY (SELECT * FROM items) TO STDOUT (FORMAT binary)",
                "D s0|runs|" + statement,
                "D s0|ends|ROLLBACK",
                "C EXPLAIN ROUTE 8"), client.messages());
        assertEquals(1, answered);
    }

    /**
     * Inside a transaction block: the coordinator is a connection apart, its tables empty at first,
     * every shard's rows (the default shard's too) and the unsharded tables the statement reads come
     * over the session's own connections; its ROLLBACK leaves the session's transaction alone.
     */
    @Test
    void insideATransactionItShowsTheConnectionApartAndEveryPull() {
        inTransaction = true;
        Command.Coordinate coordinate = new Command.Coordinate(List.of(sharded("orders")), "s0", List.of("notes"),
                List.of(PulledTable.whole(sharded("orders"))), List.of());
        String statement = "SELECT count(DISTINCT o.status) FROM orders o JOIN notes n USING (customer_id)";
        explainRoute.run(new Command.ExplainCoordinated(coordinate, List.of("s0", "s1"),
                "pgsteer cannot merge count(DISTINCT ...)", statement), query, () -> answered++);
        assertEquals(List.of(
                "T shards,answer,reason",
                "D s0, s1|coordinator|pgsteer cannot merge count(DISTINCT ...); the coordinator step runs it on s0 (apart) "
                        + "over the rows of orders pulled from every shard, inside the transaction block on a connection to s0"
                        + " apart from the session's (never in its transaction), every row pulled over the session's own"
                        + " connections as its transaction sees them",
                "D s0 (apart)|creates|BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; <the session's settings where the"
                        + " connection apart differs, as set_config(name, value, true)>; CREATE TEMP TABLE orders (LIKE orders)"
                        + " ON COMMIT DROP; CREATE TEMP TABLE notes (LIKE notes) ON COMMIT DROP",
                "D s0|pulled into s0 (apart)|COPY (SELECT * FROM orders) TO STDOUT (FORMAT binary)",
                "D s1|pulled into s0 (apart)|COPY (SELECT * FROM orders) TO STDOUT (FORMAT binary)",
                "D s0|pulled into s0 (apart)|COPY (SELECT * FROM notes) TO STDOUT (FORMAT binary)",
                "D s0 (apart)|runs|" + statement,
                "D s0 (apart)|ends|ROLLBACK (the connection apart goes back to its pool; the session's transaction goes on)",
                "C EXPLAIN ROUTE 7"), client.messages());
        assertEquals(1, answered);
    }

    private static TableConfig.Sharded sharded(String name) {
        return new TableConfig.Sharded(name, "customer_id", new ShardFunction.Hash(), null);
    }
}
