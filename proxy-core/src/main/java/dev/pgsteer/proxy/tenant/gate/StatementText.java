package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the statement text of a Query or Parse, and writes a Query or Parse with another text:
 * {@code 'Q' | int32 len | query\0} and {@code 'P' | int32 len | name\0 | query\0 | int16 n | n x int32 oid}.
 * The layouts are the protocol module's ({@link Query}, {@link Parse}); what is the tenant gate's is
 * which text and which parameter types.
 */
final class StatementText {
    static final int BYTEA = 17;

    private StatementText() {
    }

    static String ofQuery(Frame query) {
        ByteBuf body = query.body();
        int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        return body.toString(body.readerIndex(), (end < 0 ? body.writerIndex() : end) - body.readerIndex(), StandardCharsets.UTF_8);
    }

    static String ofParse(Frame parse) {
        return Parse.of(parse).query();
    }

    static int declaredParameters(Frame parse) {
        return Parse.of(parse).parameterTypeCount();
    }

    static Frame query(ByteBufAllocator alloc, String sql) {
        ByteBuf out = alloc.buffer(6 + sql.length() * 3);
        new Query(sql).encode(out);
        return new Frame(out);
    }

    /**
     * A Parse of {@code name} with {@code sql}, declaring {@code parameters} parameters of type bytea:
     * a statement put in place of the client's must take the values its Binds will carry, and bytea
     * accepts them in text and in binary.
     */
    static Frame parse(ByteBufAllocator alloc, String name, String sql, int parameters) {
        int[] types = new int[parameters];
        Arrays.fill(types, BYTEA);
        return new Frame(Parse.encode(alloc, name, sql, types));
    }

    /** The highest {@code $n} in {@code sql} (a rough count: it may see one inside a string constant). */
    static int highestParameter(String sql) {
        int highest = 0;
        for (int i = 0; i < sql.length() - 1; i++) {
            if (sql.charAt(i) == '$' && Character.isDigit(sql.charAt(i + 1))) {
                int j = i + 1;
                int n = 0;
                while (j < sql.length() && Character.isDigit(sql.charAt(j)) && n < 100_000) {
                    n = n * 10 + (sql.charAt(j) - '0');
                    j++;
                }
                highest = Math.max(highest, n);
            }
        }
        return highest;
    }
}
