package dev.pgsteer.proxy.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A raw connection for {@link FrameFuzzIT}, to PostgreSQL or to pgsteer alike: sends any bytes, and
 * hears what comes back until the fuzz's marker query is answered, the server closes, or it falls
 * silent for longer than it should.
 */
public final class WireProbe implements AutoCloseable {
    /** How hearing ended. */
    public enum End {
        /** The marker query was answered: everything sent before it was. */
        MARKER,
        /** The server closed the connection. */
        CLOSED,
        /** Nothing came for the quiet time: the server waits for something (or hangs). */
        QUIET
    }

    public record Heard(List<WireMessage> messages, End end) {
        public boolean fatal08P01() {
            return messages.stream().anyMatch(m -> m.type() == 'E' && "FATAL".equals(m.fields().get('V'))
                    && "08P01".equals(m.fields().get('C')));
        }

        public boolean any08P01() {
            return messages.stream().anyMatch(m -> m.type() == 'E' && "08P01".equals(m.fields().get('C')));
        }

        public boolean anyError() {
            return messages.stream().anyMatch(m -> m.type() == 'E');
        }

        public boolean internalError() {
            return messages.stream().anyMatch(m -> m.type() == 'E' && "XX000".equals(m.fields().get('C')));
        }

        public boolean closed() {
            return end == End.CLOSED;
        }

        @Override
        public String toString() {
            return end + " " + messages;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    public WireProbe(InetSocketAddress address, int quietMillis) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(quietMillis);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    public void send(byte[] bytes) throws IOException {
        try {
            out.write(bytes);
            out.flush();
        } catch (SocketException e) {
            // The server closed already (it refused an earlier frame): what it said is still to be read.
        }
    }

    /** No more bytes from this side: the server reads the end of the stream after what was sent. */
    public void shutdownOutput() throws IOException {
        if (!socket.isOutputShutdown() && !socket.isClosed()) {
            socket.shutdownOutput();
        }
    }

    /** Reads until a message of one of {@code types} arrives (end MARKER), the server closes, or it falls silent. */
    public Heard hearUntilAny(String types) throws IOException {
        return hearUntil(message -> types.indexOf(message.type()) >= 0);
    }

    /** Reads until the answer that mentions {@code marker} and the ReadyForQuery after it, the close, or silence. */
    public Heard hearUntilMarker(String marker) throws IOException {
        boolean[] markerSeen = {false};
        return hearUntil(message -> (markerSeen[0] |= message.mentions(marker)) && message.type() == 'Z');
    }

    /** Reads until {@code last} says a message is the last one (end MARKER), the server closes, or it falls silent. */
    private Heard hearUntil(Predicate<WireMessage> last) throws IOException {
        List<WireMessage> messages = new ArrayList<>();
        while (true) {
            WireMessage message;
            try {
                message = read();
            } catch (EOFException | SocketException e) {
                return new Heard(messages, End.CLOSED);
            } catch (SocketTimeoutException e) {
                return new Heard(messages, End.QUIET);
            }
            messages.add(message);
            if (last.test(message)) {
                return new Heard(messages, End.MARKER);
            }
        }
    }

    private WireMessage read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        if (length < 4 || length > 1 << 24) {
            throw new IOException("the server sent a message of type '" + type + "' and length " + length);
        }
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new WireMessage(type, body);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
