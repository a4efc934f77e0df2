package dev.pgsteer.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A Bind checked in pieces gets the verdict it gets whole, as early as its bytes allow. */
class StreamedFrameCheckTest {

    /** {@code 'B' | portal | statement | int16 nf | formats | int16 n | values (null: -1) | int16 nr | result formats}. */
    private static byte[] bind(String portal, String statement, int[] formats, byte[][] values, int[] resultFormats) {
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(body);
            out.write((portal + "\0" + statement + "\0").getBytes(StandardCharsets.UTF_8));
            out.writeShort(formats.length);
            for (int f : formats) {
                out.writeShort(f);
            }
            out.writeShort(values.length);
            for (byte[] value : values) {
                out.writeInt(value == null ? -1 : value.length);
                if (value != null) {
                    out.write(value);
                }
            }
            out.writeShort(resultFormats.length);
            for (int f : resultFormats) {
                out.writeShort(f);
            }
            return frame('B', body.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] frame(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    /**
     * The first violation of {@code message} fed as a head of its first {@code headLength} bytes, then
     * chunks ending at {@code cuts} and at its end; with the piece it came in (0: the head).
     */
    private static Outcome streamed(byte[] message, int headLength, int... cuts) {
        StreamedFrameCheck check = new StreamedFrameCheck();
        FrameHead head = new FrameHead(Unpooled.wrappedBuffer(message, 0, headLength), message.length - headLength);
        Verdict verdict = check.head(head);
        if (verdict != Verdict.Valid.FRAME) {
            return new Outcome(verdict, 0);
        }
        int from = headLength;
        int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
        ends[cuts.length] = message.length;
        for (int i = 0; i < ends.length; i++) {
            ByteBuf bytes = Unpooled.wrappedBuffer(message, from, ends[i] - from);
            verdict = check.chunk(new FrameChunk(bytes, i == ends.length - 1));
            if (verdict != Verdict.Valid.FRAME) {
                return new Outcome(verdict, i + 1);
            }
            from = ends[i];
        }
        return new Outcome(Verdict.Valid.FRAME, ends.length);
    }

    private record Outcome(Verdict verdict, int piece) {
    }

    private static Verdict whole(byte[] message) {
        return FrontendFrames.check(Unpooled.wrappedBuffer(message), 0, message.length);
    }

    private static byte[] bytes(int n) {
        byte[] value = new byte[n];
        Arrays.fill(value, (byte) 'v');
        return value;
    }

    @Test
    void aValidBindIsValidWhereverItIsCut() {
        byte[] message = bind("", "S_1", new int[] {1, 1}, new byte[][] {bytes(4), bytes(3000)}, new int[] {1});
        for (int head = 12; head < 40; head++) {
            for (int cut = head; cut < message.length; cut += 7) {
                assertEquals(new Outcome(Verdict.Valid.FRAME, 2), streamed(message, head, cut), "head " + head + ", cut at " + cut);
            }
        }
    }

    @Test
    void aValueLengthPastTheMessagesEndIsRefusedInThePieceThatHoldsIt() {
        byte[] message = bind("", "", new int[] {1}, new byte[][] {bytes(100), bytes(100)}, new int[0]);
        int secondLength = 5 + 2 + 2 + 2 + 2 + 4 + 100;
        ByteBuffer.wrap(message).putInt(secondLength, 1_000_000);
        Outcome outcome = streamed(message, 20, secondLength + 4, secondLength + 50);
        assertEquals(FrontendFrames.INSUFFICIENT_DATA, outcome.verdict());
        assertEquals(1, outcome.piece(), "before any byte of the value is passed on");
    }

    @Test
    void bytesAfterTheLastResultFormatAreRefusedAsSoonAsTheLayoutEnds() {
        byte[] valid = bind("", "", new int[0], new byte[][] {bytes(10)}, new int[] {0});
        byte[] longer = Arrays.copyOf(valid, valid.length + 3);
        ByteBuffer.wrap(longer).putInt(1, longer.length - 1);
        Outcome outcome = streamed(longer, 12, valid.length);
        assertEquals(FrontendFrames.INVALID_FORMAT, outcome.verdict());
        assertEquals(whole(longer), outcome.verdict());
        assertEquals(1, outcome.piece(), "the length word said so before the extra bytes came");
    }

    @Test
    void namesThatDoNotEndInTheHeadAreRefused() {
        byte[] message = bind("", "a_statement_name_longer_than_the_head", new int[0], new byte[][] {bytes(10)}, new int[0]);
        assertEquals(new Outcome(StreamedFrameCheck.NAMES_PAST_HEAD, 0), streamed(message, 20));
    }

    @Test
    void copyDataIsNotRead() {
        byte[] message = frame('d', "anything at all, \0 or not".getBytes(StandardCharsets.UTF_8));
        assertEquals(new Outcome(Verdict.Valid.FRAME, 3), streamed(message, 5, 9, 12));
    }

    @Test
    void everyMalformedBindGetsTheVerdictItGetsWhole() {
        Random random = new Random(20261207);
        int compared = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] message = mutated(random, randomBind(random));
            int head = 5 + random.nextInt(message.length - 4);
            List<Integer> cuts = new ArrayList<>();
            for (int at = head + random.nextInt(8); at < message.length; at += 1 + random.nextInt(12)) {
                cuts.add(at);
            }
            Outcome outcome = streamed(message, head, cuts.stream().mapToInt(Integer::intValue).toArray());
            if (outcome.verdict() == StreamedFrameCheck.NAMES_PAST_HEAD) {
                continue;
            }
            assertEquals(whole(message), outcome.verdict(), "round " + round + ": " + Arrays.toString(message));
            compared++;
        }
        assertEquals(true, compared > 10_000, "most rounds compared: " + compared);
    }

    private static byte[] randomBind(Random random) {
        int parameters = random.nextInt(4);
        int[] formats = new int[random.nextInt(3) == 0 ? parameters : random.nextInt(2)];
        byte[][] values = new byte[parameters][];
        for (int i = 0; i < parameters; i++) {
            values[i] = random.nextInt(5) == 0 ? null : bytes(random.nextInt(20));
        }
        return bind("", random.nextBoolean() ? "" : "S_1", formats, values, new int[random.nextInt(3)]);
    }

    /** Flipped bytes, or a body cut short or grown; the length word always tells the message's real length, as framed. */
    private static byte[] mutated(Random random, byte[] message) {
        byte[] out = switch (random.nextInt(4)) {
            case 0 -> message;
            case 1 -> {
                byte[] flipped = message.clone();
                flipped[5 + random.nextInt(flipped.length - 5)] = (byte) (random.nextBoolean() ? 0xff : random.nextInt(256));
                yield flipped;
            }
            case 2 -> Arrays.copyOf(message, Math.max(6, message.length - 1 - random.nextInt(8)));
            default -> Arrays.copyOf(message, message.length + 1 + random.nextInt(8));
        };
        ByteBuffer.wrap(out).putInt(1, out.length - 1);
        return out;
    }
}
