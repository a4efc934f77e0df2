package dev.pgsteer.proxy;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A deliberately dumb protocol client for tests that must send what no driver would: bad
 * lengths, oversized messages, nothing at all. Reads typed messages back one by one.
 */
final class RawWireClient implements AutoCloseable {
    record Message(char type, byte[] body) {
        /** The fields of an ErrorResponse or NoticeResponse, by field code. */
        Map<Character, String> fields() {
            Map<Character, String> fields = new LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return fields;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    RawWireClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void sendStartup(int version, Map<String, String> parameters) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(1024);
        body.putInt(0).putInt(version);
        parameters.forEach((k, v) -> body.put(k.getBytes(StandardCharsets.UTF_8)).put((byte) 0).put(v.getBytes(StandardCharsets.UTF_8)).put((byte) 0));
        body.put((byte) 0);
        body.putInt(0, body.position());
        send(java.util.Arrays.copyOf(body.array(), body.position()));
    }

    void sendTyped(char type, byte[] body) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(5 + body.length);
        frame.put((byte) type).putInt(4 + body.length).put(body);
        send(frame.array());
    }

    void sendQuery(String sql) throws IOException {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        sendTyped('Q', java.util.Arrays.copyOf(text, text.length + 1));
    }

    Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /** Reads until a message of {@code type} arrives, returning it. */
    Message readUntil(char type) throws IOException {
        Message message;
        do {
            message = read();
        } while (message.type() != type);
        return message;
    }

    /** True when the server closed the connection (after whatever it still had to say). */
    boolean closedByServer() throws IOException {
        try {
            while (true) {
                read();
            }
        } catch (EOFException e) {
            return true;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
