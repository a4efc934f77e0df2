package dev.pgsteer.proxy.testkit;

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
public final class RawWireClient implements AutoCloseable {
    public record Message(char type, byte[] body) {
        /**
         * What a test compares: the type by name, with what tells answers of that type apart (an
         * error's SQLSTATE and message, a tag, a row's values, a transaction status).
         */
        public String summary() {
            return switch (type) {
                case '1' -> "ParseComplete";
                case '2' -> "BindComplete";
                case '3' -> "CloseComplete";
                case 'n' -> "NoData";
                case 't' -> "ParameterDescription";
                case 'T' -> "RowDescription";
                case 's' -> "PortalSuspended";
                case 'I' -> "EmptyQueryResponse";
                case 'C' -> "CommandComplete " + new String(body, 0, body.length - 1, StandardCharsets.UTF_8);
                case 'E' -> "Error " + fields().get('C') + " " + fields().get('M');
                case 'N' -> "Notice " + fields().get('C') + " " + fields().get('M');
                case 'Z' -> "ReadyForQuery " + (char) body[0];
                case 'D' -> "DataRow " + values();
                default -> String.valueOf(type);
            };
        }

        /** A DataRow's values as text (null for NULL). */
        public java.util.List<String> values() {
            ByteBuffer in = ByteBuffer.wrap(body);
            int count = in.getShort();
            java.util.List<String> values = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                int length = in.getInt();
                if (length < 0) {
                    values.add(null);
                } else {
                    values.add(new String(body, in.position(), length, StandardCharsets.UTF_8));
                    in.position(in.position() + length);
                }
            }
            return values;
        }

        /** The fields of an ErrorResponse or NoticeResponse, by field code. */
        public Map<Character, String> fields() {
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

    public RawWireClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Bytes written, not flushed: a large message sent piece by piece. */
    public void sendUnflushed(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
    }

    /** The socket's input, for a test that reads a message as it comes rather than whole. */
    public DataInputStream input() {
        return in;
    }

    public void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    public void sendStartup(int version, Map<String, String> parameters) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(1024);
        body.putInt(0).putInt(version);
        parameters.forEach((k, v) -> body.put(k.getBytes(StandardCharsets.UTF_8)).put((byte) 0).put(v.getBytes(StandardCharsets.UTF_8)).put((byte) 0));
        body.put((byte) 0);
        body.putInt(0, body.position());
        send(java.util.Arrays.copyOf(body.array(), body.position()));
    }

    public void sendTyped(char type, byte[] body) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(5 + body.length);
        frame.put((byte) type).putInt(4 + body.length).put(body);
        send(frame.array());
    }

    public void sendQuery(String sql) throws IOException {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        sendTyped('Q', java.util.Arrays.copyOf(text, text.length + 1));
    }

    /** Parse of {@code sql} as statement {@code name} ("" for the unnamed one), with no parameter types given. */
    public void parse(String name, String sql) throws IOException {
        sendTyped('P', concat(cString(name), cString(sql), new byte[] {0, 0}));
    }

    /** Bind of the unnamed portal to {@code statement}, without parameters, results as text. */
    public void bind(String statement) throws IOException {
        sendTyped('B', concat(cString(""), cString(statement), new byte[] {0, 0, 0, 0, 0, 0}));
    }

    /** Execute of the unnamed portal, all rows. */
    public void execute() throws IOException {
        sendTyped('E', concat(cString(""), new byte[] {0, 0, 0, 0}));
    }

    public void describeStatement(String name) throws IOException {
        sendTyped('D', concat(new byte[] {'S'}, cString(name)));
    }

    public void closeStatement(String name) throws IOException {
        sendTyped('C', concat(new byte[] {'S'}, cString(name)));
    }

    public void sync() throws IOException {
        sendTyped('S', new byte[0]);
    }

    /** The summaries of the messages up to and with the next ReadyForQuery; ParameterStatus left out. */
    public java.util.List<String> readUntilReady() throws IOException {
        java.util.List<String> seen = new java.util.ArrayList<>();
        Message message;
        do {
            message = read();
            if (message.type() != 'S') {
                seen.add(message.summary());
            }
        } while (message.type() != 'Z');
        return seen;
    }

    private static byte[] cString(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /** Reads until a message of {@code type} arrives, returning it. */
    public Message readUntil(char type) throws IOException {
        Message message;
        do {
            message = read();
        } while (message.type() != type);
        return message;
    }

    /** True when the server closed the connection (after whatever it still had to say). */
    public boolean closedByServer() throws IOException {
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
