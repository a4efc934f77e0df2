package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressTest {

    @ParameterizedTest(name = "{0} -> {1} port {2}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1:6432   | 127.0.0.1 | 6432 | 127.0.0.1:6432
            localhost:5000   | localhost | 5000 | localhost:5000
            [::1]:6432       | ::1       | 6432 | [::1]:6432
            :6432            | 0.0.0.0   | 6432 | 0.0.0.0:6432
            127.0.0.1:0      | 127.0.0.1 | 0    | 127.0.0.1:0
            """)
    void parsesAndPrintsBack(String text, String host, int port, String printed) {
        ListenAddress address = ListenAddress.parse(text);
        assertEquals(new ListenAddress(host, port), address);
        assertEquals(printed, address.toString());
        assertEquals(address, ListenAddress.parse(address.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "6432", "localhost", "host:port", "host:70000", "::1:6432", "[::1]6432", "a b:1"})
    void rejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(text));
    }
}
