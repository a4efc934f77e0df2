package dev.pgsteer.proxy.sharding.extended;

import static dev.pgsteer.proxy.testkit.ClientFrames.bind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.extended.Lookup;
import dev.pgsteer.router.sql.SqlLexer;
import org.junit.jupiter.api.Test;

/** What a sharded session keeps beyond the shared PortalState: the portals that ran, and the Bind frames it holds. */
class ShardedPortalsTest {
    private final ShardedPortals portals = new ShardedPortals();
    private final Prepared insert = new Prepared(SqlLexer.statement("INSERT INTO t VALUES (1)"), new byte[] {0, 0, 0}, null);

    private Portal portal(Frame frame) {
        return new Portal(insert, Bind.of(frame));
    }

    @Test
    void aPortalThatRanMayRunAgainOnceBoundAgain() {
        Frame first = bind("c", "");
        portals.bind("c", portal(first));
        portals.markRan("c");
        assertTrue(portals.ran("c"));
        Frame second = bind("c", "");
        portals.bind("c", portal(second));
        assertFalse(portals.ran("c"));
        assertEquals(0, first.refCnt(), "the replaced portal's Bind is released");
        portals.close(Target.PORTAL, "c");
        assertEquals(0, second.refCnt());
    }

    @Test
    void theEndOfABatchTransactionDropsThePortalsAndTheUnnamedStatementOnly() {
        portals.state().prepare("", insert);
        portals.state().prepare("s", insert);
        Frame frame = bind("c", "s");
        portals.bind("c", portal(frame));
        portals.markRan("c");
        portals.endOfBatchTransaction();
        assertEquals(0, frame.refCnt());
        assertFalse(portals.ran("c"));
        assertTrue(portals.state().statement("") instanceof Lookup.Refused<Prepared>);
        assertEquals(new Lookup.Found<>(insert), portals.state().statement("s"));
    }

    @Test
    void deallocateAllForgetsTheStatementsNotThePortals() {
        portals.state().prepare("s", insert);
        Frame frame = bind("c", "s");
        portals.bind("c", portal(frame));
        portals.forgetStatements();
        assertTrue(portals.state().statement("s") instanceof Lookup.Refused<Prepared>);
        assertTrue(portals.state().portal("c") instanceof Lookup.Found<Portal>);
        portals.dropPortals();
        assertEquals(0, frame.refCnt());
    }

    /** Its rows lived in the coordinator's transaction: the portal stays uncontinuable until bound again, closed or dropped. */
    @Test
    void aPortalEndedOnTheCoordinatorIsMarkedUntilBoundAgainClosedOrDropped() {
        portals.bind("c", portal(bind("c", "")));
        portals.markEndedOnCoordinator("c");
        assertTrue(portals.endedOnCoordinator("c"));
        assertFalse(portals.endedOnCoordinator("d"));
        portals.bind("c", portal(bind("c", "")));
        assertFalse(portals.endedOnCoordinator("c"), "bound again");
        portals.markEndedOnCoordinator("c");
        portals.close(Target.PORTAL, "c");
        assertFalse(portals.endedOnCoordinator("c"), "closed");
        portals.bind("c", portal(bind("c", "")));
        portals.markEndedOnCoordinator("c");
        portals.dropPortals();
        assertFalse(portals.endedOnCoordinator("c"), "the unit ended");
    }
}
