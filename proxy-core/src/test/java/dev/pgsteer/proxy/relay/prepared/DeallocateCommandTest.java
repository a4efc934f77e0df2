package dev.pgsteer.proxy.relay.prepared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SQL DEALLOCATE names the statement PostgreSQL's grammar and identifier folding would look up. */
class DeallocateCommandTest {

    static Stream<Arguments> deallocations() {
        return Stream.of(
                Arguments.of("DEALLOCATE s1", "s1"),
                Arguments.of("deallocate S1", "s1"),
                Arguments.of("DEALLOCATE PREPARE P_0", "p_0"),
                Arguments.of("DEALLOCATE \"P_0\"", "P_0"),
                Arguments.of("DEALLOCATE PREPARE \"P_0\";", "P_0"),
                Arguments.of("  DEALLOCATE s1 ;  ", "s1"),
                Arguments.of("/* a /* nested */ comment */ DEALLOCATE -- why\n s1", "s1"),
                Arguments.of("DEALLOCATE \"with \"\"quote\"\"\"", "with \"quote\""),
                // The grammar takes a lone PREPARE after DEALLOCATE as the name.
                Arguments.of("DEALLOCATE prepare", "prepare"),
                Arguments.of("DEALLOCATE PREPARE;", "prepare"),
                Arguments.of("DEALLOCATE PREPARE prepare", "prepare"),
                Arguments.of("DEALLOCATE \"all\"", "all"),
                Arguments.of("DEALLOCATE a$1", "a$1"),
                Arguments.of("DEALLOCATE ÄÖ", "ÄÖ"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("deallocations")
    void readsTheNamePostgresqlWouldLookUp(String sql, String name) {
        assertEquals(name, DeallocateCommand.statementName(sql));
        assertEquals(name, DeallocateCommand.statementName(queryBody(sql)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "DEALLOCATE ALL", "DEALLOCATE PREPARE all", "deallocate all;",
            "DEALLOCATE s1; SELECT 1", "DEALLOCATE s1 s2", "DEALLOCATE", "DEALLOCATE ;",
            "DEALLOCATE select", "DEALLOCATE \"\"", "DEALLOCATE \"unterminated", "DEALLOCATE U&\"d\\0061ta\"",
            "DEALLOCATE 'x'", "SELECT 1", "DISCARD ALL", "DELETE FROM t", "PREPARE x AS SELECT 1",
            "DEALLOCATE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    })
    void leavesEverythingElseToTheBackend(String sql) {
        assertNull(DeallocateCommand.statementName(sql));
        assertNull(DeallocateCommand.statementName(queryBody(sql)));
    }

    /** A Query message's body: the text and its NUL. */
    private static ByteBuf queryBody(String sql) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        return Unpooled.wrappedBuffer(text, new byte[] {0});
    }
}
