package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.PulledTable;
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

    @Test
    void noNamedColumnStillPullsOneSoThatRowsCount() {
        PulledTable none = new PulledTable(ORDERS, "orders", Set.of("count"), List.of());
        assertEquals("COPY (SELECT \"id\" FROM public.orders) TO STDOUT (FORMAT binary)",
                PullStatements.of(none, "public.orders", "orders", COLUMNS).copyOut());
    }
}
