package dev.pgsteer.bench;

import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.StatementFrames;
import dev.pgsteer.router.ConnectionStateDetector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What pgsteer does per statement on the way through, measured alone: splitting a backend's answer
 * into frames, renaming a Bind to a proxy-wide statement name, and scanning a statement's text for
 * state that pins a session.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HotPathBenchmark {
    private static final String SELECT = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";

    private EmbeddedChannel decoder;
    /** RowDescription, one DataRow, CommandComplete, ReadyForQuery: pgbench -S's answer. */
    private byte[] answer;
    private byte[] bind;
    private byte[] sql;

    @Setup
    public void setUp() {
        decoder = new EmbeddedChannel(PgFrameDecoder.forBackends());
        ByteBuf out = Unpooled.buffer();
        byte[] column = "abalance\0".getBytes(StandardCharsets.UTF_8);
        out.writeByte('T').writeInt(4 + 2 + column.length + 18).writeShort(1).writeBytes(column)
                .writeInt(16384).writeShort(3).writeInt(23).writeShort(4).writeInt(-1).writeShort(0);
        out.writeByte('D').writeInt(4 + 2 + 4 + 4).writeShort(1).writeInt(4).writeBytes("1234".getBytes(StandardCharsets.US_ASCII));
        byte[] tag = "SELECT 1\0".getBytes(StandardCharsets.US_ASCII);
        out.writeByte('C').writeInt(4 + tag.length).writeBytes(tag);
        out.writeByte('Z').writeInt(5).writeByte('I');
        answer = new byte[out.readableBytes()];
        out.readBytes(answer);
        out.release();
        byte[] bindBody = "\0P_1\0\0\0\0\1\0\0\0\u000242\0\0".getBytes(StandardCharsets.ISO_8859_1);
        bind = new byte[5 + bindBody.length];
        bind[0] = 'B';
        int length = 4 + bindBody.length;
        bind[1] = (byte) (length >>> 24);
        bind[2] = (byte) (length >>> 16);
        bind[3] = (byte) (length >>> 8);
        bind[4] = (byte) length;
        System.arraycopy(bindBody, 0, bind, 5, bindBody.length);
        sql = SELECT.getBytes(StandardCharsets.UTF_8);
    }

    @TearDown
    public void tearDown() {
        decoder.finishAndReleaseAll();
    }

    /** Frames of one select-only answer, decoded and released, as the relay does before forwarding. */
    @Benchmark
    public int decodeAnswer() {
        decoder.writeInbound(Unpooled.wrappedBuffer(answer));
        int frames = 0;
        Frame frame;
        while ((frame = decoder.readInbound()) != null) {
            frames += frame.type();
            frame.release();
        }
        return frames;
    }

    /** A client's Bind renamed to the proxy-wide name of its statement. */
    @Benchmark
    public int renameBind() {
        Frame frame = new Frame(Unpooled.wrappedBuffer(bind));
        ByteBuf renamed = StatementFrames.renameBind(ByteBufAllocator.DEFAULT, frame, "pgsteer_0123456789abcdef01234567");
        int size = renamed.readableBytes();
        renamed.release();
        return size;
    }

    /** The pinning scan of a statement that pins nothing: the common case, on every Query and Parse. */
    @Benchmark
    public Optional<String> scanStatement() {
        return ConnectionStateDetector.pinningReason(sql, 0, sql.length);
    }
}
