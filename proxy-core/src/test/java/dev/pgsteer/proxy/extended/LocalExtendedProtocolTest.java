package dev.pgsteer.proxy.extended;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared server side of the extended protocol, with a server whose statements are their SQL and
 * whose portals run at once: each line the test reads is what the session was told, in order.
 */
class LocalExtendedProtocolTest {
    private final List<String> told = new ArrayList<>();
    private final List<Frame> frames = new ArrayList<>();

    private final LocalExtendedProtocol.Server<String, String> server = new LocalExtendedProtocol.Server<>() {
        @Override
        public Lookup<String> prepare(Parse parse) {
            String sql = parse.query();
            return sql.startsWith("BAD") ? Lookup.refused(ProxyErrors.error(SqlState.SYNTAX_ERROR, "bad")) : Lookup.found(sql);
        }

        @Override
        public Lookup<String> bind(String statement, Bind bind) {
            return Lookup.found(statement + " with " + bind.valueCount() + " values");
        }

        @Override
        public void describeStatement(String statement) {
            told.add("describe statement " + statement);
        }

        @Override
        public void describePortal(String portal) {
            told.add("describe portal " + portal);
        }

        @Override
        public Answered execute(String portal, Execute execute, Consumer<Answered> later) {
            told.add("execute " + portal);
            return portal.contains("FAIL") ? Answered.FAILED : Answered.WRITTEN;
        }
    };

    private final LocalExtendedProtocol.Replies replies = new LocalExtendedProtocol.Replies() {
        @Override
        public ByteBufAllocator alloc() {
            return ByteBufAllocator.DEFAULT;
        }

        @Override
        public void write(ByteBuf message) {
            told.add("write " + (char) message.getByte(0));
            message.release();
        }

        @Override
        public void send(ErrorResponse error) {
            told.add("error " + error.sqlState());
        }

        @Override
        public void flush() {
            told.add("flush");
        }

        @Override
        public void failUntilSync() {
            told.add("fail until sync");
        }

        @Override
        public void synced() {
            told.add("synced");
        }
    };

    private final LocalExtendedProtocol<String, String> protocol = new LocalExtendedProtocol<>(server, replies, new PortalState<>());

    @AfterEach
    void release() {
        frames.forEach(Frame::release);
    }

    @Test
    void parseBindDescribeExecuteSync() {
        send(frame('P', "\0SELECT 1\0\0\0"), frame('B', "\0\0\0\0\0\0\0\0"), frame('D', "P\0"), frame('E', "\0\0\0\0\0"),
                frame('S', ""));
        assertEquals(List.of("write 1", "write 2", "describe portal SELECT 1 with 0 values", "execute SELECT 1 with 0 values",
                "synced"), told);
    }

    @Test
    void refusalsFailTheBatch() {
        send(frame('P', "\0BAD\0\0\0"), frame('B', "\0s\0\0\0\0\0\0\0"), frame('D', "Ss\0"), frame('E', "c\0\0\0\0\0"));
        assertEquals(List.of("error 42601", "fail until sync", "error 26000", "fail until sync", "error 26000",
                "fail until sync", "error 34000", "fail until sync"), told);
    }

    @Test
    void aFailedExecuteFailsTheBatchAndTheSyncClosesThePortals() {
        send(frame('P', "\0FAIL\0\0\0"), frame('B', "c\0\0\0\0\0\0\0\0"), frame('E', "c\0\0\0\0\0"), frame('S', ""),
                frame('E', "c\0\0\0\0\0"));
        assertEquals(List.of("write 1", "write 2", "execute FAIL with 0 values", "fail until sync", "synced", "error 34000",
                "fail until sync"), told);
    }

    @Test
    void closeAnswersWhetherOrNotTheNameExistedAndFlushFlushes() {
        send(frame('P', "s\0SELECT 1\0\0\0"), frame('P', "s\0SELECT 2\0\0\0"), frame('C', "Ss\0"), frame('C', "Pnone\0"),
                frame('D', "Ss\0"), frame('H', ""));
        assertEquals(List.of("write 1", "error 42P05", "fail until sync", "write 3", "write 3", "error 26000", "fail until sync",
                "flush"), told);
    }

    private void send(Frame... messages) {
        for (Frame frame : messages) {
            frames.add(frame);
            protocol.onMessage(frame);
        }
    }

    private static Frame frame(char type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        return new Frame(Unpooled.buffer().writeByte(type).writeInt(4 + bytes.length).writeBytes(bytes));
    }
}
