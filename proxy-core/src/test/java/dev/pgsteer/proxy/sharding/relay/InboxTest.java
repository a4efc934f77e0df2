package dev.pgsteer.proxy.sharding.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How the client's frames are cut into units: the extended-protocol messages up to and including a
 * Sync (S) or Flush (H), or up to a Query (Q) or FunctionCall (F) that comes first and is not part
 * of the unit. Each letter is a message of that type (P Parse, B Bind, D Describe, E Execute, C Close).
 */
class InboxTest {
    private final Inbox inbox = new Inbox();

    @ParameterizedTest(name = "{0} -> {1}, then {2} wait")
    @CsvSource(delimiter = '|', textBlock = """
            # inbox   | unit    | left
            PBES      | PBES    | ''
            PBEH      | PBEH    | ''
            PBESPB    | PBES    | PB
            PBHES     | PBH     | ES
            PBEQ      | PBE     | Q
            PBF       | PB      | F
            SPBES     | S       | PBES
            Q         | ''      | Q
            """)
    void aUnitEndsAtSyncOrFlushOrBeforeAQuery(String frames, String unit, String left) {
        frames.chars().forEach(type -> inbox.add(frame((char) type)));
        List<Frame> taken = inbox.takeExtendedUnit();
        assertEquals(unit, types(taken));
        taken.forEach(Frame::release);
        StringBuilder waiting = new StringBuilder();
        while (!inbox.isEmpty()) {
            Frame frame = inbox.poll();
            waiting.append((char) frame.type());
            frame.release();
        }
        assertEquals(left, waiting.toString());
    }

    @Test
    void messagesWithoutSyncOrFlushWaitForMore() {
        "PBE".chars().forEach(type -> inbox.add(frame((char) type)));
        assertNull(inbox.takeExtendedUnit());
        inbox.add(frame('S'));
        assertEquals("PBES", types(inbox.takeExtendedUnit()));
    }

    private static String types(List<Frame> frames) {
        StringBuilder types = new StringBuilder();
        frames.forEach(f -> types.append((char) f.type()));
        return types.toString();
    }

    /** A message with no body: type | int32 4. */
    private static Frame frame(char type) {
        return new Frame(Unpooled.buffer(5).writeByte(type).writeInt(4));
    }
}
