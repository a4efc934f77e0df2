package dev.pgsteer.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ResourceLeakDetector;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SliceJoinerTest {
    private ResourceLeakDetector.Level testLevel;

    /** As in production: buffers are not wrapped for leak detection (the suite runs "paranoid"). */
    @BeforeEach
    void noLeakWrappers() {
        testLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterEach
    void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(testLevel);
    }

    static Stream<ByteBufAllocator> allocators() {
        return Stream.of(
                PooledByteBufAllocator.DEFAULT,
                new UnpooledByteBufAllocator(true),
                new UnpooledByteBufAllocator(false));
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void slicesThatFollowEachOtherInOneBufferLeaveAsOneBuffer(ByteBufAllocator allocator) {
        ByteBuf read = filled(allocator, "abcdef");
        EmbeddedChannel channel = new EmbeddedChannel(new SliceJoiner());

        writeVoid(channel, read.retainedSlice(0, 2));
        writeVoid(channel, read.retainedSlice(2, 3));
        writeVoid(channel, read.retainedSlice(5, 1));
        channel.flush();

        assertEquals("abcdef", takeText(channel));
        assertNull(channel.readOutbound(), "three slices in a row are one write");
        assertReleasedOnceTheReaderLetsGo(read);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aGapBetweenSlicesStartsANewWrite(ByteBufAllocator allocator) {
        ByteBuf read = filled(allocator, "abcdef");
        EmbeddedChannel channel = new EmbeddedChannel(new SliceJoiner());

        writeVoid(channel, read.retainedSlice(0, 2));
        writeVoid(channel, read.retainedSlice(3, 3));
        channel.flush();

        assertEquals("ab", takeText(channel));
        assertEquals("def", takeText(channel));
        assertNull(channel.readOutbound());
        assertReleasedOnceTheReaderLetsGo(read);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void slicesOfDifferentBuffersAreNotJoined(ByteBufAllocator allocator) {
        ByteBuf one = filled(allocator, "abc");
        ByteBuf other = filled(allocator, "def");
        EmbeddedChannel channel = new EmbeddedChannel(new SliceJoiner());

        writeVoid(channel, one.retainedSlice(0, 3));
        writeVoid(channel, other.retainedSlice(0, 3));
        channel.flush();

        assertEquals("abc", takeText(channel));
        assertEquals("def", takeText(channel));
        assertReleasedOnceTheReaderLetsGo(one);
        assertReleasedOnceTheReaderLetsGo(other);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aWriteWithAPromiseLetsTheRunGoFirstAndIsNotJoined(ByteBufAllocator allocator) {
        ByteBuf read = filled(allocator, "abcdef");
        EmbeddedChannel channel = new EmbeddedChannel(new SliceJoiner());

        writeVoid(channel, read.retainedSlice(0, 2));
        ChannelPromise written = channel.newPromise();
        channel.write(read.retainedSlice(2, 2), written);
        writeVoid(channel, read.retainedSlice(4, 2));
        channel.flush();

        assertEquals("ab", takeText(channel));
        assertEquals("cd", takeText(channel));
        assertEquals("ef", takeText(channel));
        assertTrue(written.isSuccess(), "the caller learns its write went out");
        assertReleasedOnceTheReaderLetsGo(read);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void aBufferThatIsNotASliceIsWrittenAsItIs(ByteBufAllocator allocator) {
        ByteBuf whole = filled(allocator, "abc");
        ByteBuf read = filled(allocator, "def");
        EmbeddedChannel channel = new EmbeddedChannel(new SliceJoiner());

        writeVoid(channel, whole);
        writeVoid(channel, read.retainedSlice(0, 3));
        channel.flush();

        assertEquals("abc", takeText(channel));
        assertEquals("def", takeText(channel));
        assertEquals(0, whole.refCnt());
        assertReleasedOnceTheReaderLetsGo(read);
    }

    @ParameterizedTest
    @MethodSource("allocators")
    void closingDropsTheRunNotYetFlushedAndReleasesIt(ByteBufAllocator allocator) {
        ByteBuf read = filled(allocator, "abcdef");
        EmbeddedChannel channel = new EmbeddedChannel(new SliceJoiner());

        writeVoid(channel, read.retainedSlice(0, 3));
        writeVoid(channel, read.retainedSlice(3, 3));
        channel.close();

        assertNull(channel.readOutbound(), "what was not flushed is not sent, as without the joiner");
        assertReleasedOnceTheReaderLetsGo(read);
    }

    @Test
    void slicesSampledForLeakDetectionAreWrittenAloneAndReleasedThroughTheirTracker() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ByteBuf read = filled(PooledByteBufAllocator.DEFAULT, "abcdef");
        EmbeddedChannel channel = new EmbeddedChannel(new SliceJoiner());

        writeVoid(channel, read.retainedSlice(0, 3));
        writeVoid(channel, read.retainedSlice(3, 3));
        channel.flush();

        assertEquals("abc", takeText(channel));
        assertEquals("def", takeText(channel));
        assertReleasedOnceTheReaderLetsGo(read);
    }

    private static ByteBuf filled(ByteBufAllocator allocator, String text) {
        ByteBuf buf = allocator.buffer(64);
        buf.writeCharSequence(text, StandardCharsets.US_ASCII);
        return buf;
    }

    private static void writeVoid(EmbeddedChannel channel, ByteBuf buf) {
        channel.write(buf, channel.voidPromise());
    }

    private static String takeText(EmbeddedChannel channel) {
        ByteBuf out = channel.readOutbound();
        try {
            return out.toString(StandardCharsets.US_ASCII);
        } finally {
            out.release();
        }
    }

    /** Every slice's hold on the buffer has been given back: only the reader's own reference is left. */
    private static void assertReleasedOnceTheReaderLetsGo(ByteBuf read) {
        assertEquals(1, read.refCnt());
        assertTrue(read.release());
    }
}
