package dev.pgsteer.proxy.sharding.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.send.SimpleSender;
import dev.pgsteer.proxy.testkit.ClientWire;
import dev.pgsteer.router.plan.Answer;
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
    private final ExplainRouteCommand explainRoute = new ExplainRouteCommand(replies);
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
}
