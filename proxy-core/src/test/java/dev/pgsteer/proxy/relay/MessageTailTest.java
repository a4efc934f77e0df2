package dev.pgsteer.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.wire.FrameChunk;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The rest of a streamed client message follows its head, wherever and whenever the head goes. */
class MessageTailTest {
    private final MessageTail tail = new MessageTail();
    /** Stands for the backend connection the head was written to: what is written there is read back. */
    private final EmbeddedChannel connection = new EmbeddedChannel();

    private static FrameChunk chunk(String bytes, boolean last) {
        return new FrameChunk(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII), last);
    }

    /** What reached the connection; the relay flushes it once per read from the client. */
    private String written() {
        connection.flush();
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = connection.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }
        return out.toString();
    }

    @Test
    void chunksThatCameBeforeTheHeadWasWrittenWaitThenFollowIt() {
        tail.headArrived();
        tail.onChunk(chunk("ab", false));
        assertTrue(tail.waiting(), "the client must not be read while the head has nowhere to go");
        assertEquals("", written());

        tail.headWritten(connection);
        assertFalse(tail.waiting());
        assertEquals("ab", written());

        tail.onChunk(chunk("cd", false));
        tail.onChunk(chunk("ef", true));
        assertEquals("cdef", written(), "the rest goes on as it is read");
        assertFalse(tail.passing());
    }

    @Test
    void theConnectionIsBusyFromTheHeadToTheLastChunk() {
        tail.headArrived();
        tail.headWritten(connection);
        assertTrue(tail.passing(), "half a message is on the connection: it must not go back to the pool");
        tail.onChunk(chunk("ab", false));
        assertTrue(tail.passing());
        tail.onChunk(chunk("cd", true));
        assertFalse(tail.passing());
        assertEquals("abcd", written());
    }

    @Test
    void aMessageThatArrivedWholeWhileItsHeadWaitedLetsTheClientBeReadAgain() {
        tail.headArrived();
        tail.onChunk(chunk("ab", true));
        assertFalse(tail.waiting(), "nothing more of it will come: what follows queues behind its head");
        tail.headWritten(connection);
        assertEquals("ab", written());
        assertFalse(tail.passing());
    }

    @Test
    void theChunksOfADroppedHeadAreDroppedUpToTheLast() {
        tail.headArrived();
        FrameChunk waited = chunk("ab", false);
        tail.onChunk(waited);
        tail.headDropped();
        assertEquals(0, waited.refCnt());
        assertFalse(tail.waiting(), "the client is read again, to drop the rest");

        FrameChunk after = chunk("cd", false);
        FrameChunk last = chunk("ef", true);
        tail.onChunk(after);
        tail.onChunk(last);
        assertEquals(0, after.refCnt());
        assertEquals(0, last.refCnt());
        assertEquals("", written());

        tail.headArrived();
        tail.headWritten(connection);
        assertTrue(tail.passing(), "the next streamed message goes its own way");
    }

    @Test
    void closingFreesWhatWaits() {
        tail.headArrived();
        FrameChunk waited = chunk("ab", false);
        tail.onChunk(waited);
        tail.close();
        assertEquals(0, waited.refCnt());
        assertFalse(tail.waiting());
        assertFalse(tail.passing());
    }

    @Test
    void aChunkWithoutAHeadIsRefusedAndFreed() {
        FrameChunk stray = chunk("ab", true);
        assertThrows(IllegalStateException.class, () -> tail.onChunk(stray));
        assertEquals(0, stray.refCnt());
    }
}
