package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SQL cursors: a DECLARE runs where its query would, on one shard there, on several on the coordinator
 * (even a query the proxy could merge: a cursor hands out rows a few at a time, in PostgreSQL's
 * order); FETCH, MOVE and CLOSE name the cursor, which the session knows the place of. What a
 * coordinator cannot keep exact (WITH HOLD, row locks) is refused.
 */
class CursorRoutingTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            DECLARE c CURSOR FOR SELECT * FROM orders WHERE customer_id = 4                 | declare c where its query would run s1 one read (shard key of orders)
            DECLARE c CURSOR FOR SELECT * FROM orders ORDER BY id                          | declare c where its query would coordinate on s0 pulling orders
            DECLARE c CURSOR FOR SELECT count(DISTINCT status) FROM orders                 | declare c where its query would coordinate on s0 pulling orders
            DECLARE "Big" BINARY NO SCROLL CURSOR WITHOUT HOLD FOR SELECT id FROM orders   | declare Big where its query would coordinate on s0 pulling orders
            declare C scroll cursor for select id, rank() over (order by total) from orders | declare c where its query would coordinate on s0 pulling orders
            DECLARE c CURSOR WITH HOLD FOR SELECT * FROM orders WHERE customer_id = 4       | declare c with hold where its query would run s1 one read (shard key of orders)
            DECLARE c CURSOR FOR SELECT * FROM currencies                                  | declare c where its query would run s0 one read (reference table currencies)
            DECLARE c CURSOR FOR SELECT 1                                                  | declare c where its query would run s0 one read (no sharded table)
            """)
    void aDeclareRunsWhereItsQueryWould(String sql, String command) {
        assertEquals(command, fixture.answer(sql).replace("would run run", "would run"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            DECLARE c CURSOR WITH HOLD FOR SELECT * FROM orders                     | refused 0A000 cursor c WITH HOLD reads several shards
            DECLARE c CURSOR FOR SELECT * FROM orders FOR UPDATE                    | refused 0A000 cursor c reads several shards with FOR UPDATE/SHARE
            """)
    void whatTheCoordinatorCannotKeepExactIsRefused(String sql, String start) {
        String answer = fixture.answer(sql);
        assertEquals(start, answer.substring(0, Math.min(start.length(), answer.length())), answer);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            FETCH 5 FROM c                  | on cursor c
            FETCH c                         | on cursor c
            FETCH ALL IN "Big"              | on cursor Big
            FETCH BACKWARD 2 FROM c;        | on cursor c
            FETCH ABSOLUTE -1 FROM C        | on cursor c
            MOVE FORWARD ALL IN c           | on cursor c
            CLOSE c                         | close c
            CLOSE ALL                       | close ALL
            CLOSE "all"                     | close all
            """)
    void fetchMoveAndCloseNameTheirCursor(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DECLARE c", "DECLARE c FOR SELECT 1", "DECLARE"})
    void aHeadThatIsNotDeclaresIsNotReadAsOne(String sql) {
        assertNull(CursorStatement.declaration(sql));
    }
}
