package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** COPY: by the table's kind and the direction; COPY (query) where the query goes. */
class CopyRoutingTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            COPY orders FROM STDIN                                  | copy into orders key customer_id columns null format text
            COPY orders (customer_id, total) FROM STDIN (FORMAT csv) | copy into orders key customer_id columns [customer_id, total] format csv
            copy public.orders from stdin with csv header           | copy into orders key customer_id columns null format csv
            COPY orders TO STDOUT                                   | run s0 s1 s2 combine read (every shard of orders)
            COPY currencies TO STDOUT                               | run s0 one read (reference table)
            COPY notes FROM STDIN                                   | run s0 one write (unsharded table notes)
            COPY notes TO STDOUT                                    | run s0 one read (unsharded table notes)
            COPY (SELECT * FROM orders WHERE customer_id = 4) TO STDOUT | run s1 one read (shard key of orders)
            COPY orders FROM STDIN (FORMAT binary)                  | refused 0A000 COPY into sharded table orders in binary format is not supported; use text or csv
            COPY currencies FROM STDIN                              | copy into every shard of currencies columns null format text
            COPY currencies (code, rate) FROM STDIN WITH (FORMAT csv, HEADER) | copy into every shard of currencies columns [code, rate] format csv
            COPY currencies FROM STDIN (FORMAT binary)              | copy into every shard of currencies columns null format binary
            COPY                                                    | refused 0A000 pgsteer cannot read this COPY statement; write COPY table [(columns)] FROM STDIN or TO STDOUT
            """)
    void copyGoesByTheTable(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "extended: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            COPY orders FROM STDIN                         | refused 0A000 COPY into sharded table orders is supported in the simple query protocol only
            COPY (SELECT * FROM orders) TO STDOUT          | refused 0A000 COPY from several shards is supported in the simple query protocol only
            COPY (SELECT * FROM orders WHERE customer_id = 5) TO STDOUT | run s2 one read (shard key of orders)
            COPY orders TO STDOUT                          | run s0 s1 s2 combine read (every shard of orders)
            COPY currencies FROM STDIN                     | refused 0A000 COPY into reference table currencies is supported in the simple query protocol only
            """)
    void theExtendedProtocolCannotSplitACopy(String sql, String command) {
        assertEquals(command, fixture.answer(sql, new RouteContext(Set.of(), false, true)));
    }
}
