package dev.pgsteer.proxy.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The outgoing stream, cut anywhere, yields each ErrorResponse's class once and nothing else. */
class ErrorClassScannerTest {

    private static byte[] stream() {
        ByteBuf out = Unpooled.buffer();
        out.writeByte('N');                                                    // the answer to an SSLRequest
        out.writeByte('R').writeInt(8).writeInt(0);                            // AuthenticationOk
        ErrorResponse.of(ErrorResponse.Severity.ERROR, "42P01", "relation \"nope\" does not exist", null, null).encode(out);
        ReadyForQuery.IDLE.encode(out);
        out.writeByte('D').writeInt(4 + 2 + 4 + 1).writeShort(1).writeInt(1).writeByte('E');   // a row whose value is 'E'
        ErrorResponse.of(ErrorResponse.Severity.WARNING, "01000", "a notice, not an error", null, null).encode(out);
        ErrorResponse.of(ErrorResponse.Severity.FATAL, "57P01", "terminating", null, null).encode(out);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        out.release();
        return bytes;
    }

    @Test
    void findsEachErrorsClassInOneBuffer() {
        List<String> classes = new ArrayList<>();
        new ErrorClassScanner(classes::add).scan(Unpooled.wrappedBuffer(stream()));
        assertEquals(List.of("42", "57"), classes);
    }

    @Test
    void findsTheSameOneByteAtATimeAndInEveryTwoWaySplit() {
        byte[] bytes = stream();
        List<String> classes = new ArrayList<>();
        ErrorClassScanner scanner = new ErrorClassScanner(classes::add);
        for (byte b : bytes) {
            scanner.scan(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(List.of("42", "57"), classes);
        for (int cut = 1; cut < bytes.length; cut++) {
            List<String> split = new ArrayList<>();
            ErrorClassScanner again = new ErrorClassScanner(split::add);
            again.scan(Unpooled.wrappedBuffer(bytes, 0, cut));
            again.scan(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut));
            assertEquals(List.of("42", "57"), split, "cut at " + cut);
        }
    }

    @Test
    void anErrorWithoutACodeIsUnknown() {
        assertEquals(ErrorClassScanner.UNKNOWN_CLASS, ErrorClassScanner.sqlStateClass(new byte[] {'M', 'x', 0, 0}));
        assertEquals("XX", ErrorClassScanner.sqlStateClass(new byte[] {'S', 'E', 0, 'C', 'X', 'X', '0', '0', '0', 0, 0}));
    }
}
