package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** EXPLAIN runs where the explained statement would; EXPLAIN ROUTE answers without running; VACUUM and friends. */
class ExplainAndMaintenanceTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            EXPLAIN SELECT * FROM orders WHERE customer_id = 4           | explain s1 one read (explain) of s1
            EXPLAIN SELECT * FROM orders                                 | explain s0 one read (explain) of s0 s1 s2
            EXPLAIN (ANALYZE) SELECT * FROM orders                       | explain s0 one read (explain) of s0 s1 s2
            EXPLAIN ANALYZE UPDATE orders SET total = 1 WHERE customer_id = 4 | explain s1 one read (explain) of s1
            EXPLAIN ANALYZE UPDATE orders SET total = 1                  | refused 0A000 EXPLAIN ANALYZE of a change that runs on several shards would run it on one only; explain it without ANALYZE
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 5     | explain route s2 one read (shard key of orders)
            EXPLAIN ROUTE SELECT * FROM currencies                       | explain route s0 one read (reference table currencies)
            VACUUM                                                       | run s0 s1 s2 mirror non_transactional (every shard)
            VACUUM orders                                                | run s0 s1 s2 mirror non_transactional (every shard)
            VACUUM notes                                                 | run s0 one non_transactional (unsharded)
            ANALYZE                                                      | run s0 s1 s2 mirror ddl (every shard)
            ANALYZE notes                                                | run s0 one ddl (unsharded)
            CHECKPOINT                                                   | run s0 s1 s2 mirror ddl (every shard)
            REINDEX TABLE orders                                         | run s0 s1 s2 mirror ddl (every shard)
            CLUSTER notes                                                | run s0 one ddl (unsharded)
            """)
    void explainAndMaintenance(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }
}
