package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.router.plan.PulledTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The text of a pull: every column LIKE the table, or the chosen ones; pushed conditions the table can answer. */
class PullStatementsTest {
    static final TableConfig.Sharded ORDERS = new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), null);
    static final List<String> COLUMNS = List.of("id", "customer_id", "status", "Total");

    @Test
    void aWholeTableIsShapedLikeTheRealOne() {
        PullStatements pull = PullStatements.of(PulledTable.whole(ORDERS), "public.orders", "orders", COLUMNS);
        assertEquals(new PullStatements(
                "CREATE TEMP TABLE orders (LIKE public.orders) ON COMMIT DROP",
                "INSERT INTO pg_temp.orders SELECT * FROM public.orders",
                "COPY (SELECT * FROM public.orders) TO STDOUT (FORMAT binary)",
                "COPY pg_temp.orders FROM STDIN (FORMAT binary)"), pull);
    }

    @Test
    void someColumnsAndTheConditionsTheTableCanAnswer() {
        PulledTable narrow = new PulledTable(ORDERS, "o", Set.of("status", "Total", "o", "count", "x"), List.of(
                new PulledTable.PushedFilter("o.\"Total\" > 10", Set.of()),
                new PulledTable.PushedFilter("status = 'a'", Set.of("status")),
                new PulledTable.PushedFilter("x = 1", Set.of("x"))));
        PullStatements pull = PullStatements.of(narrow, "public.orders", "orders", COLUMNS);
        String rows = "SELECT \"status\", \"Total\" FROM public.orders AS o WHERE (o.\"Total\" > 10) AND (status = 'a')";
        assertEquals(new PullStatements(
                "CREATE TEMP TABLE orders ON COMMIT DROP AS SELECT \"status\", \"Total\" FROM public.orders WITH NO DATA",
                "INSERT INTO pg_temp.orders (\"status\", \"Total\") " + rows,
                "COPY (" + rows + ") TO STDOUT (FORMAT binary)",
                "COPY pg_temp.orders (\"status\", \"Total\") FROM STDIN (FORMAT binary)"), pull);
    }

    /**
     * An OR of AND-groups over this table and another (bare names, as TPC-H's Q19 writes them): the
     * whole cannot run on the shard (the table lacks {@code rate}), so each group's conditions on the
     * table's own columns are pushed, OR-ed; with a group that has none, nothing is.
     */
    @Test
    void anOrOfGroupsPushesEachGroupsOwnConditions() {
        PulledTable.PushedFilter totalAndRate = new PulledTable.PushedFilter(
                List.of("(total > 10 AND rate > 1) OR (status = 'x' AND rate < 1)"), List.of(), Set.of("total", "rate", "status"),
                Set.of(), List.of(
                        List.of(new PulledTable.PushedFilter("total > 10", Set.of("total")), new PulledTable.PushedFilter("rate > 1", Set.of("rate"))),
                        List.of(new PulledTable.PushedFilter("status = 'x'", Set.of("status")), new PulledTable.PushedFilter("rate < 1", Set.of("rate")))));
        PulledTable narrow = new PulledTable(ORDERS, "o", Set.of("status", "total"), List.of(totalAndRate));
        assertEquals("COPY (SELECT \"status\", \"total\" FROM public.orders AS o WHERE (((total > 10)) OR ((status = 'x')))) TO STDOUT (FORMAT binary)",
                PullStatements.of(narrow, "public.orders", "orders", List.of("id", "status", "total")).copyOut());
        assertEquals("COPY (SELECT \"status\", \"total\" FROM public.orders AS o WHERE ((total > 10 AND rate > 1) OR (status = 'x' AND rate < 1))) TO STDOUT (FORMAT binary)",
                PullStatements.of(narrow, "public.orders", "orders", List.of("status", "total", "rate")).copyOut());
        PulledTable.PushedFilter groupWithout = new PulledTable.PushedFilter(List.of(), List.of(), Set.of(), Set.of(), List.of(
                List.of(new PulledTable.PushedFilter("total > 10", Set.of("total"))),
                List.of(new PulledTable.PushedFilter("rate < 1", Set.of("rate")))));
        assertEquals("COPY (SELECT \"status\", \"total\" FROM public.orders AS o) TO STDOUT (FORMAT binary)",
                PullStatements.of(new PulledTable(ORDERS, "o", Set.of("status", "total"), List.of(groupWithout)),
                        "public.orders", "orders", List.of("id", "status", "total")).copyOut());
    }

    @Test
    void noNamedColumnStillPullsOneSoThatRowsCount() {
        PulledTable none = new PulledTable(ORDERS, "orders", Set.of("count"), List.of());
        assertEquals("COPY (SELECT \"id\" FROM public.orders) TO STDOUT (FORMAT binary)",
                PullStatements.of(none, "public.orders", "orders", COLUMNS).copyOut());
    }

    /**
     * Conditions with the client's parameters: pushed when each parameter has a value and a declared
     * type, or is left to the server and used nowhere else in the statement; renumbered from $1 in
     * the order of first use, both on the other shards and in the coordinator's own fill.
     */
    @Test
    void conditionsWithParametersRunAsAParameterizedSelect() {
        PulledTable narrow = new PulledTable(ORDERS, "o", Set.of("status", "Total", "id"), List.of(
                new PulledTable.PushedFilter(List.of("o.\"Total\" > ", ""), List.of(3), Set.of(), Set.of()),
                new PulledTable.PushedFilter(List.of("status = ", ""), List.of(1), Set.of("status"), Set.of(1)),
                new PulledTable.PushedFilter(List.of("id = ", ""), List.of(2), Set.of("id"), Set.of()),
                new PulledTable.PushedFilter(List.of("id < ", " + ", ""), List.of(3, 3), Set.of("id"), Set.of()),
                new PulledTable.PushedFilter("id > 0", Set.of("id"))));
        // $1 and $2 left to the server (0), $3 declared numeric (1700).
        PullParameters parameters = parameters(new int[] {0, 0, 1700}, "a", "7", "10");
        PullStatements pull = PullStatements.of(narrow, "public.orders", "orders", COLUMNS, parameters);
        String select = "SELECT \"id\", \"status\", \"Total\" FROM public.orders AS o WHERE ";
        assertEquals("INSERT INTO pg_temp.orders (\"id\", \"status\", \"Total\") " + select + "(id > 0)", pull.fillLocally());
        assertEquals("COPY (" + select + "(id > 0)) TO STDOUT (FORMAT binary)", pull.copyOut());
        assertEquals(select + "(o.\"Total\" > $1) AND (status = $2) AND (id < $1 + $1) AND (id > 0)",
                pull.withParameters().sql());
        assertArrayEquals(new int[] {3, 1}, pull.withParameters().originals());
        assertEquals("INSERT INTO pg_temp.orders (\"id\", \"status\", \"Total\") " + pull.withParameters().sql(),
                pull.withParameters().fillLocally());
        // The create leaves that table empty: the coordinator fills it with the parameters afterwards.
        assertEquals("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; " + pull.create(),
                CoordinatorSql.createAndFillLocally(List.of(pull)));
        // Where PL/pgSQL is usable, the temporary buffers are raised first (before any temporary table of the transaction).
        assertEquals("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; " + CoordinatorSql.tempBuffers(64) + "; " + pull.create(),
                CoordinatorSql.createAndFillLocally(List.of(pull), java.util.Set.of(), 64));
        assertTrue(CoordinatorSql.tempBuffers(64).contains("'temp_buffers', '64MB', true") && CoordinatorSql.tempBuffers(64).contains(
                "< 67108864"), CoordinatorSql.tempBuffers(64));
        assertEquals("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; SELECT 1; " + CoordinatorSql.tempBuffers(64) + "; " + pull.create(),
                CoordinatorSql.createEmpty("SELECT 1", List.of(pull), 64));
        // temp_buffers: 0 in the configuration leaves the server's.
        assertEquals("BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE; " + pull.create(),
                CoordinatorSql.createAndFillLocally(List.of(pull), java.util.Set.of(), 0));
        assertEquals(1700, parameters.type(3));
        assertEquals(0, parameters.type(1));
        assertEquals(0, parameters.type(4));
        parameters.bind().frame().release();
    }

    @Test
    void withoutTheClientsParametersTheirConditionsStayBehind() {
        PulledTable narrow = new PulledTable(ORDERS, "o", Set.of("status"), List.of(
                new PulledTable.PushedFilter(List.of("status = ", ""), List.of(1), Set.of("status"), Set.of(1))));
        PullStatements pull = PullStatements.of(narrow, "public.orders", "orders", COLUMNS);
        assertNull(pull.withParameters());
        assertEquals("COPY (SELECT \"status\" FROM public.orders AS o) TO STDOUT (FORMAT binary)", pull.copyOut());
        PullParameters unbound = parameters(new int[] {25});
        assertNull(PullStatements.of(narrow, "public.orders", "orders", COLUMNS, unbound).withParameters());
        unbound.bind().frame().release();
    }

    /** The client's Parse tail ({@code query, int16 n, int32 type * n}) and its Bind of text {@code values}. */
    private static PullParameters parameters(int[] types, String... values) {
        ByteBuf tail = Unpooled.buffer();
        Wire.writeCString(tail, "SELECT ...");
        tail.writeShort(types.length);
        for (int type : types) {
            tail.writeInt(type);
        }
        ByteBuf bind = Unpooled.buffer();
        int length = Wire.beginMessage(bind, 'B');
        Wire.writeCString(bind, "");
        Wire.writeCString(bind, "");
        bind.writeShort(0).writeShort(values.length);
        for (String value : values) {
            bind.writeInt(value.length()).writeBytes(value.getBytes(StandardCharsets.UTF_8));
        }
        bind.writeShort(0);
        Wire.endMessage(bind, length);
        PullParameters parameters = new PullParameters(ByteBufUtil.getBytes(tail), Bind.of(new Frame(bind)));
        tail.release();
        return parameters;
    }

    @Test
    void theSameKeysExistsNamesThePulledRowAndLeavesBareNamesToItsOwnRow() {
        assertEquals("EXISTS (SELECT 1 FROM public.lineitem AS \"pgsteer_same\" WHERE \"pgsteer_same\".\"l_orderkey\" = lineitem."
                + "\"l_orderkey\" AND (\"l_suppkey\" = ANY ('{4}'::pg_catalog.int8[])))", PullStatements.sameKeyExists(null, "lineitem",
                "public.lineitem", "l_orderkey", List.of("\"l_suppkey\" = ANY ('{4}'::pg_catalog.int8[])")));
    }
}
