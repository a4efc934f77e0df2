package dev.pgsteer.proxy.testkit;

import static dev.pgsteer.proxy.testkit.RawBytes.concat;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.frame;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Frames for {@link FrameFuzzIT}: well-formed ones that would write to the ledger, and mutations of
 * them (truncated, oversized, retyped, with bytes flipped or NULs put in, lengths that lie).
 */
public final class FuzzFrames {
    /** Any frame that runs this writes a row; the fuzz checks none does unless PostgreSQL's would. */
    public static final String INSERT = "INSERT INTO ledger (id, note) VALUES (7, 'fuzz')";
    public static final String INSERT_PARAMETER = "INSERT INTO ledger (id, note) VALUES ($1, 'fuzz')";
    /** The text of the query sent after each case, to tell where its answers end. */
    public static final String MARKER = "fuzz-marker";

    private FuzzFrames() {
    }

    /** How a frame was broken, for the report of a failing case. */
    public enum Mutation {
        NONE, FOREIGN_TYPE, OTHER_SESSION_TYPE, TRUNCATED, EXTENDED, FLIPPED, NUL_INSERTED, NEGATIVE_LENGTH,
        OVERSIZED_SMALL_TYPE, LENGTH_BELOW_FOUR, LENGTH_CLAIMS_MORE, RANDOM
    }

    /** A frame to send, and whether the stream must be closed after it (a length that claims bytes never sent). */
    public record Mutated(Mutation mutation, byte[] bytes, boolean closeAfter) {
        public String hex() {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < Math.min(bytes.length, 200); i++) {
                out.append(String.format("%02x", bytes[i] & 0xff));
            }
            return out + (bytes.length > 200 ? "..." : "");
        }
    }

    /** The frames a session sends once ready, each well-formed, and the statement among them writes. */
    public static List<byte[]> readyFrames(int functionOid) {
        return List.of(
                query(INSERT),
                parse("", INSERT_PARAMETER, 23),
                parse("fuzz_stmt", INSERT, -1),
                bind("", "", "7"),
                describe('P', ""),
                describe('S', ""),
                execute("", 0),
                close('S', "fuzz_stmt"),
                frame('H'),
                frame('S'),
                functionCall(functionOid, "7"),
                frame('d', "7\tfuzz\n".getBytes(StandardCharsets.UTF_8)),
                frame('c'),
                frame('f', cstr("fuzz")));
    }

    /** The frames of an extended batch between its Bind and its Execute. */
    public static List<byte[]> batchFrames() {
        return List.of(bind("", "", "7"), describe('P', ""), execute("", 0), frame('H'), close('P', ""), parse("", INSERT, -1));
    }

    /** The frames of a COPY FROM STDIN between a first row and the CopyDone. */
    public static List<byte[]> copyFrames() {
        return List.of(frame('d', "8\tfuzz\n".getBytes(StandardCharsets.UTF_8)), frame('c'), frame('f', cstr("fuzz")),
                frame('f', "no end".getBytes(StandardCharsets.UTF_8)), frame('H'), frame('S'), query(INSERT));
    }

    public static Mutated mutate(byte[] base, Random random) {
        Mutation mutation = Mutation.values()[1 + random.nextInt(Mutation.values().length - 1)];
        byte type = base[0];
        byte[] body = Arrays.copyOfRange(base, 5, base.length);
        return switch (mutation) {
            case NONE -> new Mutated(mutation, base, false);
            case FOREIGN_TYPE -> {
                byte foreign;
                do {
                    foreign = (byte) random.nextInt(256);
                } while ("QPBDECHSFXdcf".indexOf(foreign & 0xff) >= 0);
                yield new Mutated(mutation, frame((char) (foreign & 0xff), body), false);
            }
            case OTHER_SESSION_TYPE -> new Mutated(mutation, frame("QPBDECHSFdcf".charAt(random.nextInt(12)), body), false);
            case TRUNCATED -> new Mutated(mutation, frame((char) type, Arrays.copyOf(body, body.length == 0 ? 0 : random.nextInt(body.length))), false);
            case EXTENDED -> {
                byte[] extra = new byte[1 + random.nextInt(8)];
                if (random.nextBoolean()) {
                    random.nextBytes(extra);
                }
                yield new Mutated(mutation, frame((char) type, concat(body, extra)), false);
            }
            case FLIPPED -> {
                byte[] flipped = body.clone();
                for (int i = 0, n = 1 + random.nextInt(3); i < n && flipped.length > 0; i++) {
                    flipped[random.nextInt(flipped.length)] = (byte) random.nextInt(256);
                }
                yield new Mutated(mutation, frame((char) type, flipped), false);
            }
            case NUL_INSERTED -> {
                int at = random.nextInt(body.length + 1);
                yield new Mutated(mutation, frame((char) type, concat(Arrays.copyOf(body, at), new byte[] {0},
                        Arrays.copyOfRange(body, at, body.length))), false);
            }
            case NEGATIVE_LENGTH -> {
                // A Bind's or a FunctionCall's value length made negative, other than -1: -5 by preference.
                byte[] changed = body.clone();
                int at = valueLengthAt(type, changed);
                if (at < 0) {
                    yield new Mutated(mutation, frame((char) type, changed), false);
                }
                ByteBuffer.wrap(changed).putInt(at, random.nextBoolean() ? -5 : -2 - random.nextInt(1 << 20));
                yield new Mutated(mutation, frame((char) type, changed), false);
            }
            case OVERSIZED_SMALL_TYPE -> {
                byte[] big = new byte[10_001 + random.nextInt(2000)];
                Arrays.fill(big, (byte) 'a');
                big[big.length - 1] = 0;
                yield new Mutated(mutation, frame("DECHSc".charAt(random.nextInt(6)), big), false);
            }
            case LENGTH_BELOW_FOUR -> {
                byte[] bad = base.clone();
                ByteBuffer.wrap(bad).putInt(1, random.nextInt(4) - (random.nextBoolean() ? 0 : 1 << 30));
                yield new Mutated(mutation, bad, false);
            }
            case LENGTH_CLAIMS_MORE -> {
                byte[] bad = base.clone();
                ByteBuffer.wrap(bad).putInt(1, base.length - 1 + 1 + random.nextInt(100));
                yield new Mutated(mutation, bad, true);
            }
            case RANDOM -> {
                byte[] noise = new byte[random.nextInt(40)];
                random.nextBytes(noise);
                yield new Mutated(mutation, frame("QPBDECHSFdcf".charAt(random.nextInt(12)), noise), false);
            }
        };
    }

    /** Where the first value length of a Bind or FunctionCall body is, or -1 if it has none. */
    private static int valueLengthAt(byte type, byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body);
        if (type == 'B') {
            int at = indexOf(body, 0) + 1;
            at = indexOf(body, at) + 1;
            int formats = in.getShort(at) & 0xffff;
            at += 2 + 2 * formats;
            return (in.getShort(at) & 0xffff) > 0 ? at + 2 : -1;
        }
        if (type == 'F') {
            int formats = in.getShort(4) & 0xffff;
            int at = 6 + 2 * formats;
            return (in.getShort(at) & 0xffff) > 0 ? at + 2 : -1;
        }
        return -1;
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("no NUL");
    }

    // --- well-formed frames ---

    public static byte[] query(String sql) {
        return frame('Q', cstr(sql));
    }

    /** A Parse of {@code sql}, declaring one parameter of type {@code type} (none when negative). */
    public static byte[] parse(String name, String sql, int type) {
        return frame('P', concat(cstr(name), cstr(sql), type < 0 ? i16(0) : concat(i16(1), i32(type))));
    }

    public static byte[] bind(String portal, String statement, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        return frame('B', concat(cstr(portal), cstr(statement), i16(0), i16(1), i32(text.length), text, i16(0)));
    }

    public static byte[] describe(char kind, String name) {
        return frame('D', concat(new byte[] {(byte) kind}, cstr(name)));
    }

    public static byte[] close(char kind, String name) {
        return frame('C', concat(new byte[] {(byte) kind}, cstr(name)));
    }

    public static byte[] execute(String portal, int maxRows) {
        return frame('E', concat(cstr(portal), i32(maxRows)));
    }

    /** A FunctionCall of {@code oid} with one text argument. */
    public static byte[] functionCall(int oid, String argument) {
        byte[] text = argument.getBytes(StandardCharsets.UTF_8);
        return frame('F', concat(i32(oid), i16(0), i16(1), i32(text.length), text, i16(0)));
    }
}
