package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.router.sql.SqlLexer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The session's last Parse, kept to answer the next one with the same query and types without
 * lexing it again. A client of the extended protocol without named statements (pgbench -M
 * extended, most drivers' first executions) sends the same unnamed Parse before every Bind; its
 * lexed statement, and the bytes pgsteer sends on, are the same each time. One entry: it costs one
 * comparison of the Parse's bytes, and a session that alternates statements only lexes as before.
 */
public final class RecentParse {
    private ByteBuf tail = Unpooled.EMPTY_BUFFER;
    private Prepared prepared;

    /**
     * The statement of a Parse whose query-and-types part is {@code parseTail} (the frame stays the
     * caller's); {@code backendName} names it on the shards' connections for a named Parse, null for
     * the unnamed one, and is asked only when the statement was not named last time.
     */
    public Prepared of(ByteBuf parseTail, boolean named, Function<ByteBuf, String> backendName) {
        Prepared last = prepared;
        if (last != null && ByteBufUtil.equals(parseTail, tail) && (named == (last.backendName() != null))) {
            return last;
        }
        byte[] bytes = ByteBufUtil.getBytes(parseTail);
        Prepared made;
        if (last != null && ByteBufUtil.equals(parseTail, tail)) {
            // The same statement, named this time or no longer: lexed already.
            made = new Prepared(last.statement(), last.parseTail(), named ? backendName.apply(parseTail) : null);
        } else {
            made = new Prepared(SqlLexer.statement(query(bytes)), bytes, named ? backendName.apply(parseTail) : null);
            tail = Unpooled.wrappedBuffer(bytes);
        }
        prepared = made;
        return made;
    }

    /** The query: the tail up to its terminating zero. */
    private static String query(byte[] tail) {
        int end = 0;
        while (end < tail.length && tail[end] != 0) {
            end++;
        }
        return new String(tail, 0, end, StandardCharsets.UTF_8);
    }
}
