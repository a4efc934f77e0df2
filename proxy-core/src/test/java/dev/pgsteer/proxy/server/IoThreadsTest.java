package dev.pgsteer.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IoThreadsTest {

    @Test
    void byDefaultOneThreadPerTwoCoresAndNeverNone() {
        assertEquals(1, IoThreads.count(IoThreads.DEFAULT, 1));
        assertEquals(1, IoThreads.count(IoThreads.DEFAULT, 2));
        assertEquals(1, IoThreads.count(IoThreads.DEFAULT, 3));
        assertEquals(8, IoThreads.count(IoThreads.DEFAULT, 16));
    }

    @Test
    void aCountAskedForIsTakenAsItIs() {
        assertEquals(2, IoThreads.count(2, 2));
        assertEquals(16, IoThreads.count(16, 4));
    }

    @Test
    void theFlagTakesAWholeNumberOfOneOrMore() {
        assertEquals(4, IoThreads.parse("4"));
        assertEquals("--io-threads needs a whole number of threads, 1 or more, not \"0\"",
                assertThrows(IllegalArgumentException.class, () -> IoThreads.parse("0")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> IoThreads.parse("many"));
        assertThrows(IllegalArgumentException.class, () -> IoThreads.parse("-1"));
    }
}
