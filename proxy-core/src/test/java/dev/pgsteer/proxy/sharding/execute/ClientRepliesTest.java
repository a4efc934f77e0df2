package dev.pgsteer.proxy.sharding.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.backend.BindComplete;
import dev.pgsteer.protocol.message.backend.ParseComplete;
import dev.pgsteer.proxy.testkit.ClientWire;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * pgsteer's own acknowledgements are held until the next message to the client, so that the flush at
 * the end of the client's read does not send them alone; held or not, the client sees them in order.
 */
class ClientRepliesTest {
    private final ClientWire client = new ClientWire();
    private int failures;
    private final ClientReplies replies = new ClientReplies(client.channel(), () -> failures++);

    @Test
    void heldAcknowledgementsWaitThroughAFlushAndLeaveBeforeTheNextMessage() {
        replies.hold(ParseComplete.INSTANCE);
        replies.hold(BindComplete.INSTANCE);
        client.channel().flush();
        assertTrue(client.channel().outboundMessages().isEmpty(), "nothing to send yet: the answer is still to come");
        replies.complete("SELECT 1");
        assertEquals(List.of("1", "2", "C SELECT 1"), client.messages());
    }

    @Test
    void anErrorComesAfterTheAcknowledgementsOfWhatCameBefore() {
        replies.hold(BindComplete.INSTANCE);
        replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "no");
        assertEquals(List.of("2", "E 0A000 no"), client.messages());
        assertEquals(1, failures);
    }

    @Test
    void whoeverWritesToTheClientItselfReleasesThemFirst() {
        replies.hold(ParseComplete.INSTANCE);
        replies.releaseHeld();
        replies.releaseHeld();
        client.channel().flush();
        assertEquals(List.of("1"), client.messages(), "written once");
    }
}
