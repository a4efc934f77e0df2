package dev.pgsteer.proxy.sharding.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The owner's side of the lease, step by step, with the time given: {@link Lease}'s diagram. */
class LeaseTest {
    private static final long MS = 1_000_000L;
    private final Lease lease = new Lease(Duration.ofMillis(1000));

    @Test
    void noCommitBeforeTheFirstRegistration() {
        assertEquals(Lease.State.NONE, lease.state());
        assertTrue(lease.unavailable(0).orElseThrow().contains("no lease"));
    }

    @Test
    void aHeldLeaseAllowsCommitsUntilFourFifthsOfItHavePassedSinceTheLastRenewalWasSent() {
        lease.registered("a1", 0);
        assertEquals(Lease.State.HELD, lease.state());
        assertTrue(lease.unavailable(799 * MS).isEmpty());
        assertTrue(lease.unavailable(800 * MS).orElseThrow().contains("could not renew its lease"));

        lease.renewed("a1", 700 * MS);
        assertTrue(lease.unavailable(1499 * MS).isEmpty(), "a renewal extends it from when it was sent");
        assertTrue(lease.unavailable(1500 * MS).isPresent());
    }

    @Test
    void aRenewalAnsweredLateDoesNotMoveTheLeaseBack() {
        lease.registered("a1", 500 * MS);
        lease.renewed("a1", 100 * MS);
        assertTrue(lease.unavailable(1299 * MS).isEmpty());
        assertTrue(lease.unavailable(1300 * MS).isPresent());
    }

    @Test
    void aLostLeaseRefusesCommitsUntilANewNodeIsRegistered() {
        lease.registered("a1", 0);
        lease.lost("a1");
        assertEquals(Lease.State.LOST, lease.state());
        assertTrue(lease.unavailable(1 * MS).orElseThrow().contains("ended by another instance"));

        lease.renewed("a1", 2 * MS);
        assertEquals(Lease.State.LOST, lease.state(), "a renewal cannot revive a lost lease");

        lease.registered("b2", 3 * MS);
        assertEquals(Lease.State.HELD, lease.state());
        assertEquals("b2", lease.node());
        assertTrue(lease.unavailable(4 * MS).isEmpty());
    }

    @Test
    void newsAboutAReplacedNodeIsIgnored() {
        lease.registered("a1", 0);
        lease.lost("a1");
        lease.registered("b2", 10 * MS);

        lease.lost("a1");
        lease.renewed("a1", 900 * MS);

        assertEquals(Lease.State.HELD, lease.state());
        assertFalse(lease.unavailable(809 * MS).isPresent());
        assertTrue(lease.unavailable(810 * MS).isPresent(), "a1's renewal did not extend b2's lease");
    }
}
