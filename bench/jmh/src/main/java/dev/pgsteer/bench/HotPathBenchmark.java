package dev.pgsteer.bench;

import dev.pgsteer.protocol.codec.FrontendFrames;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.codec.Verdict;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.protocol.message.Sync;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.router.session.SessionStateScanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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
 * What pgsteer does per statement on the way through, measured alone: splitting a client's messages
 * (Query; Parse, Bind, Describe, Execute, Sync) and a backend's answer into frames, encoding the
 * messages pgsteer originates (Query and Sync towards a backend, CommandComplete and ReadyForQuery
 * towards a client, an injected Parse), relaying a batch of backend frames to a client with one flush,
 * renaming a Bind to a proxy-wide statement name, and scanning a statement's text for state that pins
 * a session. RowDescription and DataRow are never decoded or re-encoded on the hot path: they are
 * relayed as bytes, which {@link #relayAnswer} and {@link #relayRows} measure.
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
    /** A client connection's decoder, past its startup packet. */
    private EmbeddedChannel clientDecoder;
    /** A relay: frames read from {@link #backend} are written to {@link #client}, flushed once per batch. */
    private EmbeddedChannel backend;
    private EmbeddedChannel client;
    /** RowDescription, one DataRow, CommandComplete, ReadyForQuery: pgbench -S's answer. */
    private byte[] answer;
    /** ParseComplete, BindComplete, then {@link #answer}: pgbench -S -M extended's answer. */
    private byte[] extendedAnswer;
    /** RowDescription, 100 DataRows, CommandComplete, ReadyForQuery. */
    private byte[] rowsAnswer;
    /** pgbench -S -M simple's Query. */
    private byte[] query;
    /** pgbench -S -M extended's batch: Parse (unnamed), Bind, Describe (portal), Execute, Sync. */
    private byte[] extendedBatch;
    private byte[] parseTail;
    /** {@link #query} and {@link #extendedBatch} as frames in a direct buffer, as the decoder hands them over. */
    private Frame queryFrame;
    private Frame[] batchFrames;
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
        extendedAnswer = bytes(Unpooled.buffer().writeByte('1').writeInt(4).writeByte('2').writeInt(4).writeBytes(answer));
        ByteBuf rows = Unpooled.buffer();
        rows.writeBytes(answer, 0, 1 + 4 + 2 + column.length + 18);
        for (int i = 0; i < 100; i++) {
            rows.writeByte('D').writeInt(4 + 2 + 4 + 4).writeShort(1).writeInt(4).writeBytes("1234".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] tag100 = "SELECT 100\0".getBytes(StandardCharsets.US_ASCII);
        rows.writeByte('C').writeInt(4 + tag100.length).writeBytes(tag100);
        rows.writeByte('Z').writeInt(5).writeByte('I');
        rowsAnswer = bytes(rows);

        ByteBuf q = Unpooled.buffer();
        new Query("SELECT abalance FROM pgbench_accounts WHERE aid = 42;").encode(q);
        query = bytes(q);
        ByteBuf batch = Unpooled.buffer();
        byte[] text = (SELECT + "\0").getBytes(StandardCharsets.UTF_8);
        batch.writeByte('P').writeInt(4 + 1 + text.length + 2).writeByte(0).writeBytes(text).writeShort(0);
        parseTail = new byte[text.length + 2];
        System.arraycopy(text, 0, parseTail, 0, text.length);
        byte[] bindUnnamed = "\0\0\0\0\0\1\0\0\0\u000242\0\0".getBytes(StandardCharsets.ISO_8859_1);
        batch.writeByte('B').writeInt(4 + bindUnnamed.length).writeBytes(bindUnnamed);
        batch.writeByte('D').writeInt(4 + 2).writeByte('P').writeByte(0);
        batch.writeByte('E').writeInt(4 + 1 + 4).writeByte(0).writeInt(0);
        Sync.INSTANCE.encode(batch);
        extendedBatch = bytes(batch);

        clientDecoder = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        ByteBuf startup = Unpooled.buffer();
        new StartupPacket.StartupMessage(196608, Map.of("user", "bench", "database", "bench")).encode(startup);
        clientDecoder.writeInbound(startup);
        if (!(clientDecoder.readInbound() instanceof StartupPacket.StartupMessage)) {
            throw new IllegalStateException("the client decoder did not read the startup packet");
        }
        backend = new EmbeddedChannel(PgFrameDecoder.forBackends());
        client = new EmbeddedChannel(PgMessageEncoder.INSTANCE);
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
        queryFrame = new Frame(ByteBufAllocator.DEFAULT.directBuffer().writeBytes(query));
        ByteBuf whole = ByteBufAllocator.DEFAULT.directBuffer().writeBytes(extendedBatch);
        java.util.List<Frame> frames = new java.util.ArrayList<>();
        while (whole.isReadable()) {
            frames.add(new Frame(whole.readRetainedSlice(1 + whole.getInt(whole.readerIndex() + 1))));
        }
        whole.release();
        batchFrames = frames.toArray(new Frame[0]);
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        buf.release();
        return out;
    }

    @TearDown
    public void tearDown() {
        queryFrame.release();
        for (Frame frame : batchFrames) {
            frame.release();
        }
        decoder.finishAndReleaseAll();
        clientDecoder.finishAndReleaseAll();
        backend.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    /** A client's simple Query, framed and its SQL decoded, as the session reads it before routing. */
    @Benchmark
    public String decodeQuery() {
        clientDecoder.writeInbound(Unpooled.wrappedBuffer(query));
        Frame frame = clientDecoder.readInbound();
        String sql = Query.decode(frame.body()).sql();
        frame.release();
        return sql;
    }

    /**
     * A client's extended-protocol batch (Parse, Bind, Describe, Execute, Sync), framed, with what the
     * relay reads from it: whether Parse and Bind name the unnamed statement.
     */
    @Benchmark
    public int decodeExtendedBatch() {
        clientDecoder.writeInbound(Unpooled.wrappedBuffer(extendedBatch));
        int seen = 0;
        Frame frame;
        while ((frame = clientDecoder.readInbound()) != null) {
            seen += switch (frame.type()) {
                case StatementFrames.PARSE -> StatementFrames.parsesUnnamed(frame) ? 1 : 2;
                case StatementFrames.BIND -> StatementFrames.bindsUnnamed(frame) ? 1 : 2;
                default -> frame.type();
            };
            frame.release();
        }
        return seen;
    }

    /** The check every logged-in client's Query passes before its session reads it (FrontendFrames). */
    @Benchmark
    public Verdict checkQuery() {
        return FrontendFrames.check(queryFrame);
    }

    /** The checks of pgbench -S -M extended's batch: Parse, Bind, Describe, Execute, Sync. */
    @Benchmark
    public int checkExtendedBatch() {
        int valid = 0;
        for (Frame frame : batchFrames) {
            if (FrontendFrames.check(frame) == Verdict.Valid.FRAME) {
                valid++;
            }
        }
        return valid;
    }

    /** Query and Sync encoded, as pgsteer sends its own statements to a backend (PREPARE TRANSACTION, COMMIT). */
    @Benchmark
    public int encodeQuerySync() {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        new Query("PREPARE TRANSACTION 'pgsteer_0123456789abcdef'").encode(out);
        Sync.INSTANCE.encode(out);
        int size = out.readableBytes();
        out.release();
        return size;
    }

    /** CommandComplete and ReadyForQuery encoded, as pgsteer ends an answer it gives itself (a combined multi-shard count). */
    @Benchmark
    public int encodeCommandCompleteReady() {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer();
        new CommandComplete("UPDATE 2").encode(out);
        new ReadyForQuery(TransactionStatus.IN_TRANSACTION).encode(out);
        int size = out.readableBytes();
        out.release();
        return size;
    }

    /** A Parse injected on a connection that lacks the client's statement, under its proxy-wide name. */
    @Benchmark
    public int encodeInjectedParse() {
        ByteBuf out = StatementFrames.parse(ByteBufAllocator.DEFAULT, "pgsteer_0123456789abcdef01234567", parseTail);
        int size = out.readableBytes();
        out.release();
        return size;
    }

    /**
     * The relay of pgbench -S -M extended's answer (ParseComplete, BindComplete, RowDescription, DataRow,
     * CommandComplete, ReadyForQuery): framed, CommandComplete's tag and ReadyForQuery's status read,
     * every frame written to the client as bytes, one flush for the batch.
     */
    @Benchmark
    public int relayAnswer() {
        return relay(extendedAnswer);
    }

    /** As {@link #relayAnswer}, for a batch of 103 frames: RowDescription, 100 DataRows, CommandComplete, ReadyForQuery. */
    @Benchmark
    public int relayRows() {
        return relay(rowsAnswer);
    }

    private int relay(byte[] bytes) {
        backend.writeInbound(Unpooled.wrappedBuffer(bytes));
        int seen = 0;
        Frame frame;
        while ((frame = backend.readInbound()) != null) {
            switch (frame.type()) {
                case ReadyForQuery.TYPE -> seen += ReadyForQuery.decode(frame.body()).status().code();
                case CommandComplete.TYPE -> seen += CommandComplete.decode(frame.body()).tag().length();
                default -> {
                }
            }
            client.write(frame.content(), client.voidPromise());
        }
        client.flush();
        ByteBuf written;
        while ((written = client.readOutbound()) != null) {
            seen += written.readableBytes();
            written.release();
        }
        return seen;
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

    /** The session-state scan of a statement that changes nothing that stays: the common case, on every Query and Parse. */
    @Benchmark
    public int scanStatement() {
        CountingEffects effects = new CountingEffects();
        SessionStateScanner.scan(sql, 0, sql.length, false, effects);
        return effects.count;
    }

    /** Counts findings; a statement of the benchmark has none. */
    private static final class CountingEffects implements SessionStateScanner.Effects {
        int count;

        @Override
        public void pins(String reason) {
            count++;
        }

        @Override
        public void setsSession(String name) {
            count++;
        }

        @Override
        public void resets(String name) {
            count++;
        }

        @Override
        public void resetsAll() {
            count++;
        }

        @Override
        public void mayChangeSettings(String what) {
            count++;
        }
    }
}
