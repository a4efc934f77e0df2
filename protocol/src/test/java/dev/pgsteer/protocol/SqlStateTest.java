package dev.pgsteer.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SqlStateTest {

    @Test
    void everyCodeIsFiveCharactersAndListedOnce() {
        Set<String> codes = new HashSet<>();
        for (SqlState state : SqlState.values()) {
            assertTrue(state.code().matches("[0-9A-Z]{5}"), state.code());
            assertTrue(codes.add(state.code()), state + " repeats " + state.code());
            assertEquals(state, SqlState.of(state.code()));
        }
    }

    @Test
    void aCodePgsteerDoesNotRaiseHasNoConstant() {
        assertEquals(SqlState.INVALID_SQL_STATEMENT_NAME, SqlState.of("26000"));
        assertNull(SqlState.of("40P01"));
    }
}
