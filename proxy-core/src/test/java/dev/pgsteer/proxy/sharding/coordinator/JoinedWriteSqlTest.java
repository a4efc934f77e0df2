package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.PulledTable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What an UPDATE ... FROM or DELETE ... USING over other shards becomes once the coordinator computed
 * it: the target pulled locked with each row's place, and each shard's write by tableoid and ctid.
 */
class JoinedWriteSqlTest {
    static final TableConfig.Sharded ORDERS = new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), null);
    static final Command.Coordinate READ = new Command.Coordinate(List.of(ORDERS), "s0", List.of(), List.of(), List.of());
    static final Command.JoinedWrite.Text NONE = new Command.JoinedWrite.Text("", new int[0]);

    static Command.JoinedWrite update(String returning) {
        return new Command.JoinedWrite(ORDERS, false, "orders o", "o", List.of("total", "Status"), NONE, NONE,
                new Command.JoinedWrite.Text(returning, new int[0]), List.of(), READ);
    }

    @Test
    void theTargetIsPulledLockedWithItsShardTableoidAndCtid() {
        PulledTable narrow = new PulledTable(ORDERS, "o", Set.of("total"), List.of(new PulledTable.PushedFilter("o.total > 10", Set.of())));
        PullStatements pull = PullStatements.lockedTarget(narrow, "public.orders", "orders", List.of("id", "customer_id", "total"));
        assertEquals("CREATE TEMP TABLE orders (LIKE public.orders) ON COMMIT DROP; ALTER TABLE pg_temp.orders ADD COLUMN pgsteer_shard"
                + " pg_catalog.text, ADD COLUMN pgsteer_tableoid pg_catalog.oid, ADD COLUMN pgsteer_ctid pg_catalog.tid,"
                + " ADD COLUMN pgsteer_written boolean", pull.create());
        assertEquals("COPY (SELECT *, 's1'::pg_catalog.text, tableoid, ctid FROM public.orders AS o WHERE (o.total > 10) FOR UPDATE)"
                + " TO STDOUT (FORMAT binary)", pull.forShard("s1").copyOut());
        assertEquals("COPY pg_temp.orders (\"id\", \"customer_id\", \"total\", pgsteer_shard, pgsteer_tableoid, pgsteer_ctid)"
                + " FROM STDIN (FORMAT binary)", pull.copyIn());
        // A read's pull has no shard to name.
        PullStatements read = PullStatements.of(narrow, "public.orders", "orders", List.of("id", "customer_id", "total"));
        assertEquals(read, read.forShard("s1"));
    }

    @Test
    void eachShardWritesItsRowsByTableoidAndCtidWithTheValuesCastToTheColumnsTypes() {
        List<List<String>> rows = List.of(
                Arrays.asList("s1", "16400", "(0,1)", "1.5", "it's"),
                Arrays.asList("s1", "16401", "(0,1)", null, "back\\slash"),
                Arrays.asList("s2", "16400", "(3,7)", "0.30000000000000004", null));
        Map<String, String> texts = JoinedWriteSql.byShard(update(" RETURNING o.id"), List.of("s0", "s1", "s2"),
                List.of("numeric(10,2)", "character(5)"), rows);
        assertEquals("UPDATE orders o SET \"total\" = o.\"total\", \"Status\" = o.\"Status\" WHERE false RETURNING o.id", texts.get("s0"));
        assertEquals("UPDATE orders o SET \"total\" = pgsteer_v.\"total\", \"Status\" = pgsteer_v.\"Status\" FROM (VALUES"
                + " ('16400'::pg_catalog.oid, '(0,1)'::pg_catalog.tid, '1.5'::numeric(10,2), 'it''s'::character(5)),"
                + " ('16401'::pg_catalog.oid, '(0,1)'::pg_catalog.tid, NULL::numeric(10,2), E'back\\\\slash'::character(5)))"
                + " AS pgsteer_v (pgsteer_tableoid, pgsteer_ctid, \"total\", \"Status\") WHERE o.ctid = ANY('{\"(0,1)\",\"(0,1)\"}'"
                + "::pg_catalog.tid[]) AND o.tableoid = pgsteer_v.pgsteer_tableoid AND o.ctid = pgsteer_v.pgsteer_ctid RETURNING o.id",
                texts.get("s1"));
        assertEquals(List.of("s0", "s1", "s2"), List.copyOf(texts.keySet()));
    }

    @Test
    void aDeleteNamesItsRowsOnly() {
        Command.JoinedWrite delete = new Command.JoinedWrite(ORDERS, true, "orders", "orders", List.of(), NONE, NONE, NONE, List.of(),
                READ);
        Map<String, String> texts = JoinedWriteSql.byShard(delete, List.of("s0", "s1"), List.of(),
                List.of(List.of("s1", "16400", "(0,2)")));
        assertEquals("DELETE FROM orders WHERE false", texts.get("s0"));
        assertEquals("DELETE FROM orders USING (VALUES ('16400'::pg_catalog.oid, '(0,2)'::pg_catalog.tid)) AS pgsteer_v"
                + " (pgsteer_tableoid, pgsteer_ctid) WHERE orders.ctid = ANY('{\"(0,2)\"}'::pg_catalog.tid[]) AND orders.tableoid"
                + " = pgsteer_v.pgsteer_tableoid AND orders.ctid = pgsteer_v.pgsteer_ctid", texts.get("s1"));
    }

    @Test
    void theWrittenRowsAreReadWithExactFloats() {
        assertEquals("SET LOCAL extra_float_digits = 3; SELECT pgsteer_shard, pgsteer_tableoid, pgsteer_ctid, \"total\", \"Status\""
                + " FROM pg_temp.\"orders\" WHERE pgsteer_written", JoinedWriteSql.writtenRows("orders", List.of("total", "Status")));
    }
}
