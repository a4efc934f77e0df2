package dev.pgsteer.proxy.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InFlightClockTest {

    @Test
    void answersEndTheOldestRequestFirstAndTheRingGrows() {
        InFlightClock clock = new InFlightClock();
        assertEquals(-1, clock.answered(5));
        for (int i = 0; i < 10; i++) {
            clock.sent(i * 10);
        }
        assertEquals(100, clock.answered(100));
        clock.sent(200);
        for (int i = 1; i < 10; i++) {
            assertEquals(1000 - i * 10, clock.answered(1000));
        }
        assertEquals(50, clock.answered(250));
        assertEquals(-1, clock.answered(300));
    }
}
