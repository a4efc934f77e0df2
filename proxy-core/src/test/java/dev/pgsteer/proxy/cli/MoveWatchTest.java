package dev.pgsteer.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The progress display against SHOW MOVE's contract: a fake result set with the console's columns, in
 * their order, as the mover's SHOW MOVE n answers them one poll after another.
 */
class MoveWatchTest {
    static final List<String> COLUMNS = List.of("id", "kind", "what", "database", "source", "target", "phase", "rows_copied",
            "rows_total", "rows_per_second", "lag_bytes", "lag_seconds", "hold_ms", "started", "updated", "error");

    /** One SHOW MOVE row: values in {@link #COLUMNS}' order, null for NULL. */
    static Map<String, Object> move(Object... values) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < COLUMNS.size(); i++) {
            row.put(COLUMNS.get(i), values[i]);
        }
        return row;
    }

    /** A result set of {@code rows}, read by column name as pgjdbc's is. */
    static ResultSet resultSet(List<Map<String, Object>> rows) {
        Iterator<Map<String, Object>> next = rows.iterator();
        Object[] state = new Object[2];   // the current row, whether the last value read was NULL
        return (ResultSet) Proxy.newProxyInstance(ResultSet.class.getClassLoader(), new Class<?>[] {ResultSet.class},
                (proxy, method, args) -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> row = (Map<String, Object>) state[0];
                    return switch (method.getName()) {
                        case "next" -> {
                            state[0] = next.hasNext() ? next.next() : null;
                            yield state[0] != null;
                        }
                        case "close" -> null;
                        case "wasNull" -> state[1];
                        case "getString", "getLong", "getBigDecimal" -> {
                            if (!COLUMNS.contains((String) args[0])) {
                                throw new java.sql.SQLException("no column " + args[0]);
                            }
                            Object value = row.get((String) args[0]);
                            state[1] = value == null;
                            yield switch (method.getName()) {
                                case "getLong" -> value == null ? 0L : ((Number) value).longValue();
                                case "getBigDecimal" -> value == null ? null : new BigDecimal(value.toString());
                                default -> value == null ? null : value.toString();
                            };
                        }
                        default -> throw new UnsupportedOperationException(method.getName() + Arrays.toString(args));
                    };
                });
    }

    static int watch(List<Map<String, Object>> answers, List<Long> asked, ByteArrayOutputStream out) throws Exception {
        Iterator<Map<String, Object>> each = answers.iterator();
        int[] pauses = {0};
        int code = new MoveWatch(id -> {
            asked.add(id);
            return resultSet(each.hasNext() ? List.of(each.next()) : List.of());
        }, () -> pauses[0]++, new PrintStream(out, true, StandardCharsets.UTF_8)).watch(7);
        assertEquals(asked.size() - 1, pauses[0], "a pause between polls, none after the last");
        return code;
    }

    @Test
    void followsAMoveUntilDoneOneLinePerChange() throws Exception {
        String what = "bucket 5 of 12 of orders";
        List<Map<String, Object>> answers = List.of(
                move(7, "bucket", what, "shop", "s0", "s3", "checking", 0, null, null, null, null, null, "t0", "t0", null),
                move(7, "bucket", what, "shop", "s0", "s3", "copying", 1200, 4800, "300.4", 12_800, "0.42", null, "t0", "t1", null),
                move(7, "bucket", what, "shop", "s0", "s3", "copying", 1200, 4800, "300.4", 12_800, "0.42", null, "t0", "t1", null),
                move(7, "bucket", what, "shop", "s0", "s3", "holding", 4800, 4800, "0", 0, "0.0", "35.2", "t0", "t2", null),
                move(7, "bucket", what, "shop", "s0", "s3", "done", 4800, 4800, "0", 0, "0.0", "35.2", "t0", "t3", null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> asked = new ArrayList<>();
        assertEquals(0, watch(answers, asked, out));
        assertEquals(List.of(7L, 7L, 7L, 7L, 7L), asked);
        assertEquals("""
                move 7 (bucket 5 of 12 of orders, s0 -> s3): checking, 0 rows
                move 7 (bucket 5 of 12 of orders, s0 -> s3): copying, 1,200/4,800 rows (25%), 300 rows/s, lag 12.5 kB / 0.4 s
                move 7 (bucket 5 of 12 of orders, s0 -> s3): holding, 4,800/4,800 rows (100%), 0 rows/s, lag 0 B / 0.0 s, write hold 35 ms
                move 7 (bucket 5 of 12 of orders, s0 -> s3): done, 4,800/4,800 rows (100%), 0 rows/s, lag 0 B / 0.0 s, write hold 35 ms
                """, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFailedOrCancelledMoveExitsWithOneAndItsError() throws Exception {
        for (String phase : List.of("failed", "cancelled")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = watch(List.of(move(9, "tenant", "tenant acme of tenants", "shop", "s1", "s2", phase, 10, null, null, null, null,
                    null, "t0", "t1", "wal_level is replica on s1; set wal_level = logical and restart it")), new ArrayList<>(), out);
            assertEquals(1, code, phase);
            assertEquals("move 9 (tenant acme of tenants, s1 -> s2): " + phase + ", 10 rows: wal_level is replica on s1; "
                    + "set wal_level = logical and restart it\n", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aMoveThatIsGoneExitsWithOne() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(1, watch(List.of(), new ArrayList<>(), out));
        assertEquals("move 7: SHOW MOVE 7 shows no such move\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aPlanIsWatchedMoveByMoveAndAnEmptyOneNotAtAll() {
        assertEquals(List.of(7L, 8L, 9L), MoveWatch.ids(List.of("7", "8", " 9")));
        assertEquals(List.of(), MoveWatch.ids(java.util.Arrays.asList((String) null)));
        assertEquals(List.of(), MoveWatch.ids(List.of("")));
    }

    @Test
    void commandsThatStartAMoveAreKnownByTheirWords() {
        assertTrue(MoveWatch.startsMove("MOVE BUCKET 5 OF orders TO s3"));
        assertTrue(MoveWatch.startsMove(" move tenant 'acme' to s2"));
        assertTrue(MoveWatch.startsMove("SPLIT SHARD s0"));
        assertTrue(MoveWatch.startsMove("REBALANCE"));
        assertFalse(MoveWatch.startsMove("SHOW MOVES"));
        assertFalse(MoveWatch.startsMove("SPLIT BUCKETS OF orders INTO 24"));
        assertEquals("pgsteer admin: stopped watching; move 7 goes on in pgsteer (SHOW MOVE 7 to follow it, CANCEL MOVE 7 to stop it)",
                MoveWatch.leaving(7));
    }

    @Test
    void anAnswerPrintsAsPsqlPrintsIt() {
        assertEquals("""
                 database | shard | step
                ----------+-------+------
                 shop     | s3    |
                 shop     | s3    | done
                (2 rows)
                """, new ResultTable(List.of("database", "shard", "step"), List.of(Arrays.asList("shop", "s3", null),
                List.of("shop", "s3", "done"))).render());
    }
}
