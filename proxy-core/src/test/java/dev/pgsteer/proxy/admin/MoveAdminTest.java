package dev.pgsteer.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.proxy.admin.AdminCommands.Parsed;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MoveAdminTest {
    private final AdminCommands commands = new AdminCommands();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "MOVE BUCKET 5 OF orders TO s3              | MOVE BUCKET",
        "move bucket '5 of 12' of orders in shop to s3; | MOVE BUCKET",
        "SHOW MOVES                                 | SHOW MOVES",
        "show move 7                                | SHOW MOVE",
        "CANCEL MOVE 7                              | CANCEL MOVE",
        "MOVE TENANT acme TO s2                     | MOVE TENANT",
        "move tenant \"Acme.co\" to s2               | MOVE TENANT",
        "MOVE KEY 'o''hara' OF tenants TO s1        | MOVE KEY",
        "MOVE KEY 42 OF devices IN shop TO s1       | MOVE KEY",
        "REBALANCE                                  | REBALANCE",
        "rebalance orders                           | REBALANCE",
        "REBALANCE IN shop                          | REBALANCE",
        "REBALANCE orders IN shop;                  | REBALANCE",
        "SPLIT SHARD s1 TO s3                       | SPLIT SHARD",
        "split shard s1 to s3 in shop               | SPLIT SHARD",
        "SPLIT BUCKETS OF orders INTO 12            | SPLIT BUCKETS"})
    void movesAreCommands(String text, String command) {
        assertEquals(command, assertInstanceOf(Parsed.Run.class, commands.parse(text)).command().name());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "MOVE BUCKET OF orders TO s3 | MOVE BUCKET bucket OF table [IN database] TO shard",
        "CANCEL MOVE seven           | CANCEL MOVE id",
        "MOVE TENANT acme s2         | MOVE TENANT id TO shard",
        "MOVE KEY 'k' TO s2          | MOVE KEY 'key' OF group [IN database] TO shard",
        "SHOW MOVE x                 | SHOW MOVE id",
        "REBALANCE orders items      | REBALANCE [table] [IN database]",
        "SPLIT SHARD s1              | SPLIT SHARD shard TO shard [IN database]",
        "SPLIT SHARD s1 INTO s3      | SPLIT SHARD shard TO shard [IN database]"})
    void aMalformedMoveCommandSaysItsSyntax(String text, String syntax) {
        Parsed.Invalid invalid = assertInstanceOf(Parsed.Invalid.class, commands.parse(text));
        assertEquals("42601", invalid.error().sqlState());
        assertEquals("write " + syntax, invalid.error().hint());
    }

    @Test
    void aPlanAnswersOneRowPerMove() {
        assertEquals(List.of("id", "phase", "bucket", "source", "target"), MoveAdmin.PLANNED.stream().map(Column::name).toList());
    }

    @Test
    void showMovesColumnsAreTheContract() {
        assertEquals(List.of("id", "kind", "what", "database", "source", "target", "phase", "rows_copied", "rows_total",
                "rows_per_second", "lag_bytes", "lag_seconds", "hold_ms", "started", "updated", "error"),
                MoveAdmin.COLUMNS.stream().map(Column::name).toList());
        assertEquals(List.of(Column.Type.INT8, Column.Type.TEXT, Column.Type.TEXT, Column.Type.TEXT, Column.Type.TEXT,
                Column.Type.TEXT, Column.Type.TEXT, Column.Type.INT8, Column.Type.INT8, Column.Type.NUMERIC, Column.Type.INT8,
                Column.Type.NUMERIC, Column.Type.NUMERIC, Column.Type.TIMESTAMPTZ, Column.Type.TIMESTAMPTZ, Column.Type.TEXT),
                MoveAdmin.COLUMNS.stream().map(Column::type).toList());
    }

    @Test
    void aRowSaysWhatMovesAndHowFast() {
        OffsetDateTime started = OffsetDateTime.parse("2026-12-07T10:00:00Z");
        MoveRecord m = new MoveRecord(7, "bucket", "shop", List.of("orders", "items"), List.of("customer_id", "customer_id"),
                "integer", 12, 5, "s2", "s3", "copying", "n1", "pgsteer_move_7", "pgsteer_move_7", "pgsteer_move_7", List.of(),
                5000, 10000L, 0, 100L, new BigDecimal("0.250"), null, 0, null, false, null, started, started.plusSeconds(2));
        Object[] row = MoveAdmin.row(m);
        assertEquals("bucket 5 of 12 of orders, items", row[2]);
        assertEquals(new BigDecimal("2500.0"), row[9]);
        assertNull(row[12]);
        assertEquals(MoveAdmin.COLUMNS.size(), row.length);
    }

    @Test
    void numericAndTimestamptzAsPostgresqlSendsThem() {
        // numeric_send of 1234.5: ndigits 2, weight 0, sign +, dscale 1, digits 1234 5000
        assertArrayEquals(new byte[] {0, 2, 0, 0, 0, 0, 0, 1, 0x04, (byte) 0xD2, 0x13, (byte) 0x88},
                ConsoleValues.numericBinary(new BigDecimal("1234.5")));
        // 0.0001: one digit (1) of weight -1, dscale 4
        assertArrayEquals(new byte[] {0, 1, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 4, 0, 1},
                ConsoleValues.numericBinary(new BigDecimal("0.0001")));
        // -20000: digits 2 0000 → 2 with weight 1, sign 0x4000
        assertArrayEquals(new byte[] {0, 1, 0, 1, 0x40, 0, 0, 0, 0, 2}, ConsoleValues.numericBinary(new BigDecimal("-20000")));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0}, ConsoleValues.numericBinary(BigDecimal.ZERO));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}, ConsoleValues.timestamptzBinary(
                OffsetDateTime.parse("2000-01-01T00:00:00.000001Z")));
        assertEquals("2026-12-07 10:00:00.000000+00", ConsoleValues.timestamptzText(OffsetDateTime.parse("2026-12-07T11:00:00+01:00")));
    }
}
