package dev.pgsteer.proxy.testkit;

import static dev.pgsteer.proxy.testkit.RawBytes.concat;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A deliberately dumb protocol client for tests that must send what no driver would: bad
 * lengths, oversized messages, nothing at all. Reads typed messages back one by one.
 */
public final class RawWireClient implements AutoCloseable {
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
        send(Arrays.copyOf(body.array(), body.position()));
    }

    public void sendTyped(char type, byte[] body) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(5 + body.length);
        frame.put((byte) type).putInt(4 + body.length).put(body);
        send(frame.array());
    }

    public void sendQuery(String sql) throws IOException {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        sendTyped('Q', Arrays.copyOf(text, text.length + 1));
    }

    /** Parse of {@code sql} as statement {@code name} ("" for the unnamed one), with no parameter types given. */
    public void parse(String name, String sql) throws IOException {
        sendTyped('P', concat(cstr(name), cstr(sql), new byte[] {0, 0}));
    }

    /** Bind of the unnamed portal to {@code statement}, without parameters, results as text. */
    public void bind(String statement) throws IOException {
        sendTyped('B', concat(cstr(""), cstr(statement), new byte[] {0, 0, 0, 0, 0, 0}));
    }

    /** Execute of the unnamed portal, all rows. */
    public void execute() throws IOException {
        sendTyped('E', concat(cstr(""), new byte[] {0, 0, 0, 0}));
    }

    public void describeStatement(String name) throws IOException {
        sendTyped('D', concat(new byte[] {'S'}, cstr(name)));
    }

    public void closeStatement(String name) throws IOException {
        sendTyped('C', concat(new byte[] {'S'}, cstr(name)));
    }

    public void sync() throws IOException {
        sendTyped('S', new byte[0]);
    }

    /** The summaries of the messages up to and with the next ReadyForQuery; ParameterStatus left out. */
    public List<String> readUntilReady() throws IOException {
        List<String> seen = new ArrayList<>();
        WireMessage message;
        do {
            message = read();
            if (message.type() != 'S') {
                seen.add(message.summary());
            }
        } while (message.type() != 'Z');
        return seen;
    }

    public WireMessage read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new WireMessage(type, body);
    }

    /** Reads until a message of {@code type} arrives, returning it. */
    public WireMessage readUntil(char type) throws IOException {
        WireMessage message;
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
