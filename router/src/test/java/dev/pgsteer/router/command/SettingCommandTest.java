package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SET, RESET, DISCARD and LISTEN: every shard, or the default one, and what the session must do after. */
class SettingCommandTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SET search_path = app                   | session setting s0 s1 s2 mirror read (every shard)
            set statement_timeout to 1000           | session setting s0 s1 s2 mirror read (every shard)
            SET SESSION timezone = 'UTC'            | session setting s0 s1 s2 mirror read (every shard)
            RESET ALL                               | session setting s0 s1 s2 mirror read (every shard)
            reset search_path                       | session setting s0 s1 s2 mirror read (every shard)
            SET LOCAL statement_timeout = 5         | transaction setting s0 s1 s2 mirror read (every shard)
            SET TRANSACTION ISOLATION LEVEL SERIALIZABLE | transaction setting s0 s1 s2 mirror read (every shard)
            SET CONSTRAINTS ALL DEFERRED            | transaction setting s0 s1 s2 mirror read (every shard)
            DISCARD ALL                             | discard s0 s1 s2 mirror read (every shard)
            DISCARD PLANS                           | discard s0 s1 s2 mirror read (every shard)
            LISTEN jobs                             | listen s0 one read (LISTEN)
            UNLISTEN *                              | listen s0 one read (UNLISTEN)
            """)
    void settingsReachEveryShard(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }
}
