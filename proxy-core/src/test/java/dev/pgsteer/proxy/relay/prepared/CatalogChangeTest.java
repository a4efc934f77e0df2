package dev.pgsteer.proxy.relay.prepared;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which command tags make pgsteer forget the statements it knows PostgreSQL parsed. */
class CatalogChangeTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "CREATE TABLE, true", "CREATE FUNCTION, true", "ALTER TABLE, true", "ALTER TYPE, true", "DROP TABLE, true",
            "DROP SCHEMA, true", "DO, true",
            "DELETE 3, false", "DISCARD ALL, false", "DEALLOCATE, false", "COMMIT, false", "SELECT 1, false",
            "INSERT 0 1, false", "UPDATE 1, false", "COPY 5, false", "ANALYZE, false", "D, false",
    })
    void tellsCatalogChangesByTheirTag(String tag, boolean changes) {
        byte[] text = tag.getBytes(StandardCharsets.US_ASCII);
        assertEquals(changes, CatalogChange.in(Unpooled.wrappedBuffer(text, new byte[] {0})));
    }
}
