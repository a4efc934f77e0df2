package dev.pgsteer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MessageTypeTest {

    @ParameterizedTest(name = "{0} from a client is {1}, from a server {2}")
    @CsvSource({
            "Q, QUERY,         UNKNOWN",
            "P, PARSE,         UNKNOWN",
            "B, BIND,          UNKNOWN",
            "D, DESCRIBE,      DATA_ROW",
            "E, EXECUTE,       ERROR_RESPONSE",
            "C, CLOSE,         COMMAND_COMPLETE",
            "H, FLUSH,         COPY_OUT_RESPONSE",
            "S, SYNC,          PARAMETER_STATUS",
            "F, FUNCTION_CALL, UNKNOWN",
            "X, TERMINATE,     UNKNOWN",
            "d, COPY_DATA,     COPY_DATA",
            "c, COPY_DONE,     COPY_DONE",
            "f, COPY_FAIL,     UNKNOWN",
            "p, PASSWORD,      UNKNOWN",
            "R, UNKNOWN,       AUTHENTICATION",
            "K, UNKNOWN,       BACKEND_KEY_DATA",
            "v, UNKNOWN,       NEGOTIATE_PROTOCOL_VERSION",
            "Z, UNKNOWN,       READY_FOR_QUERY",
            "T, UNKNOWN,       ROW_DESCRIPTION",
            "I, UNKNOWN,       EMPTY_QUERY_RESPONSE",
            "N, UNKNOWN,       NOTICE_RESPONSE",
            "A, UNKNOWN,       NOTIFICATION_RESPONSE",
            "1, UNKNOWN,       PARSE_COMPLETE",
            "2, UNKNOWN,       BIND_COMPLETE",
            "3, UNKNOWN,       CLOSE_COMPLETE",
            "n, UNKNOWN,       NO_DATA",
            "s, UNKNOWN,       PORTAL_SUSPENDED",
            "t, UNKNOWN,       PARAMETER_DESCRIPTION",
            "G, UNKNOWN,       COPY_IN_RESPONSE",
            "W, UNKNOWN,       COPY_BOTH_RESPONSE",
            "V, UNKNOWN,       FUNCTION_CALL_RESPONSE",
            "x, UNKNOWN,       UNKNOWN",
    })
    void eachByteMeansOneMessageInEachDirection(char type, Frontend frontend, Backend backend) {
        assertEquals(frontend, Frontend.of((byte) type));
        assertEquals(backend, Backend.of((byte) type));
        if (frontend != Frontend.UNKNOWN) {
            assertEquals((byte) type, frontend.code());
        }
        if (backend != Backend.UNKNOWN) {
            assertEquals((byte) type, backend.code());
        }
    }

    @Test
    void bytesAboveAsciiAreNoMessage() {
        for (int b = 128; b < 256; b++) {
            assertEquals(Frontend.UNKNOWN, Frontend.of((byte) b));
            assertEquals(Backend.UNKNOWN, Backend.of((byte) b));
        }
        assertEquals(Frontend.UNKNOWN, Frontend.of((byte) 0));
    }

    @Test
    void theRecordsAgreeWithTheTable() {
        assertEquals(Frontend.QUERY.code(), Query.TYPE);
        assertEquals(Frontend.SYNC.code(), Sync.TYPE);
        assertEquals(Backend.ERROR_RESPONSE.code(), ErrorResponse.ERROR);
        assertEquals(Backend.NOTICE_RESPONSE.code(), ErrorResponse.NOTICE);
    }
}
