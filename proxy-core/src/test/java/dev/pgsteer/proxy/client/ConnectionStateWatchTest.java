package dev.pgsteer.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a session's statements ask of its connection before it goes back to the pool: a read-back
 * of named settings (or of all of them), startup values put back, or a pin with its reason.
 * The backend here reports DateStyle and TimeZone, as PostgreSQL does.
 */
class ConnectionStateWatchTest {
    private static final Map<String, String> REPORTED = Map.of("datestyle", "ISO, MDY", "timezone", "UTC");
    /** The watch reads frames and leaves them to the relay; the test releases them. */
    private final java.util.List<Frame> made = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void release() {
        made.forEach(Frame::release);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', nullValues = "-", textBlock = """
            SELECT abalance FROM pgbench_accounts WHERE aid = $1  | -     | false | false | -
            SET DateStyle = 'German'                              | -     | false | false | -
            SET statement_timeout = '5s'                          | -     | true  | false | statement_timeout
            SET LOCAL app.tenant_id = '42'                        | -     | false | false | -
            SET app.tenant_id = '42'                              | -     | true  | false | app.tenant_id
            SELECT set_config('app.tenant_id', '42', true)        | -     | false | false | -
            SELECT set_config('app.tenant_id', '42', false)       | -     | true  | false | app.tenant_id
            SET ROLE reader                                       | -     | true  | false | role
            DO $$BEGIN PERFORM 1; END$$                           | -     | true  | true  | -
            RESET ALL                                             | -     | true  | false | -
            LISTEN jobs                                           | LISTEN | false | false | -
            CREATE TEMP TABLE t (id int)                          | a temporary object | false | false | -
            """)
    void aQueryAsksForWhatItDid(String sql, String pin, boolean capture, boolean captureAll, String name) {
        ConnectionStateWatch watch = new ConnectionStateWatch();
        assertEquals(pin, watch.onStatement(query(sql), REPORTED, false));
        assertEquals(capture, watch.captureDue());
        assertEquals(captureAll, watch.captureAll());
        assertEquals(name == null ? Set.of() : Set.of(name), watch.captureNames());
    }

    @Test
    void aResetAsksForTheStartupValuesOfWhatItResetOnly() {
        ConnectionStateWatch watch = new ConnectionStateWatch();
        watch.onStatement(query("RESET statement_timeout; SET search_path TO DEFAULT"), REPORTED, false);
        assertTrue(watch.restoreDue());
        assertFalse(watch.restoreAll());
        assertEquals(List.of("statement_timeout", "search_path"), List.copyOf(watch.restoreNames()));
        watch.restored();
        assertFalse(watch.restoreDue());
        watch.onStatement(query("DISCARD ALL"), REPORTED, false);
        assertTrue(watch.restoreAll());
    }

    @Test
    void aNamedStatementsFindingsCountAgainAtEachBind() {
        ConnectionStateWatch watch = new ConnectionStateWatch();
        watch.onStatement(parse("set_timeout", "SET statement_timeout = '1s'"), REPORTED, false);
        watch.captured();
        assertFalse(watch.captureDue());
        assertNull(watch.onBind(bind("set_timeout")));
        assertTrue(watch.captureDue(), "the Bind runs the SET again");
        watch.captured();
        watch.onBind(bind("other"));
        assertFalse(watch.captureDue());
    }

    @Test
    void aFunctionCallAsksForEverySettingExceptForTheLargeObjectFunctions() {
        ConnectionStateWatch watch = new ConnectionStateWatch();
        watch.onStatement(functionCall(954), REPORTED, false); // loread
        assertFalse(watch.captureDue());
        watch.onStatement(functionCall(2078), REPORTED, false); // set_config
        assertTrue(watch.captureAll());
    }

    private Frame query(String sql) {
        return frame('Q', (sql + "\0").getBytes(StandardCharsets.UTF_8));
    }

    private Frame parse(String name, String sql) {
        return frame('P', (name + "\0" + sql + "\0\0\0").getBytes(StandardCharsets.UTF_8));
    }

    private Frame bind(String statement) {
        return frame('B', ("\0" + statement + "\0\0\0\0\0\0\0").getBytes(StandardCharsets.UTF_8));
    }

    private Frame functionCall(int oid) {
        return frame('F', new byte[] {(byte) (oid >>> 24), (byte) (oid >>> 16), (byte) (oid >>> 8), (byte) oid, 0, 0, 0, 0, 0, 0});
    }

    private Frame frame(char type, byte[] body) {
        ByteBuf buf = Unpooled.buffer(5 + body.length);
        buf.writeByte(type).writeInt(4 + body.length).writeBytes(body);
        Frame frame = new Frame(buf);
        made.add(frame);
        return frame;
    }
}
