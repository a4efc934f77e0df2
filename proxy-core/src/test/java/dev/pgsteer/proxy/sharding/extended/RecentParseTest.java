package dev.pgsteer.proxy.sharding.extended;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The session's last Parse: the same query and types are lexed once; anything else as if nothing were kept. */
class RecentParseTest {
    private final RecentParse recent = new RecentParse();
    private final List<String> named = new ArrayList<>();
    private final Function<ByteBuf, String> names = tail -> {
        String name = "pgsteer_" + tail.toString(StandardCharsets.UTF_8).hashCode();
        named.add(name);
        return name;
    };

    /** {@code cstring query | int16 n | int32 type * n}, as a Parse carries it after the name. */
    private static ByteBuf tail(String query, int... types) {
        ByteBuf tail = Unpooled.buffer();
        tail.writeBytes(query.getBytes(StandardCharsets.UTF_8)).writeByte(0).writeShort(types.length);
        for (int type : types) {
            tail.writeInt(type);
        }
        return tail;
    }

    @Test
    void theSameUnnamedParseAgainIsTheSameStatement() {
        Prepared first = recent.of(tail("SELECT abalance FROM pgbench_accounts WHERE aid = $1"), false, names);
        Prepared second = recent.of(tail("SELECT abalance FROM pgbench_accounts WHERE aid = $1"), false, names);
        assertSame(first, second);
        assertEquals("SELECT abalance FROM pgbench_accounts WHERE aid = $1", second.statement().text());
        assertNull(second.backendName());
        assertEquals(List.of(), named, "an unnamed statement has no name on the shards");
    }

    @Test
    void anotherQueryOrOtherTypesAreLexedAnew() {
        Prepared select = recent.of(tail("SELECT $1"), false, names);
        Prepared typed = recent.of(tail("SELECT $1", 23), false, names);
        Prepared other = recent.of(tail("SELECT $1 + 1", 23), false, names);
        assertNotSame(select, typed);
        assertEquals(select.statement(), typed.statement());
        assertArrayEquals(new byte[] {'S', 'E', 'L', 'E', 'C', 'T', ' ', '$', '1', 0, 0, 1, 0, 0, 0, 23}, typed.parseTail());
        assertEquals("SELECT $1 + 1", other.statement().text());
        assertSame(other, recent.of(tail("SELECT $1 + 1", 23), false, names));
        assertNotSame(other, recent.of(tail("SELECT $1", 23), false, names), "one entry: the last Parse only");
    }

    @Test
    void aNamedParseOfTheLastQueryKeepsItsLexingAndGetsItsName() {
        Prepared unnamed = recent.of(tail("UPDATE t SET v = v + 1 WHERE k = $1"), false, names);
        Prepared prepared = recent.of(tail("UPDATE t SET v = v + 1 WHERE k = $1"), true, names);
        assertSame(unnamed.statement(), prepared.statement());
        assertEquals(1, named.size());
        assertEquals(named.getFirst(), prepared.backendName());
        assertSame(prepared, recent.of(tail("UPDATE t SET v = v + 1 WHERE k = $1"), true, names));
        assertEquals(1, named.size(), "named once");
        assertNull(recent.of(tail("UPDATE t SET v = v + 1 WHERE k = $1"), false, names).backendName());
    }
}
