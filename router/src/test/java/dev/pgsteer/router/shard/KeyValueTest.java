package dev.pgsteer.router.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.KeyType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeyValueTest {

    @ParameterizedTest(name = "{0} ''{1}'' = {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            INTEGER     | 42                                       | 42
            INTEGER     | "  -42 "                                 | -42
            INTEGER     | +7                                       | 7
            INTEGER     | 1_000_000                                | 1000000
            INTEGER     | 0x1F                                     | 31
            INTEGER     | -0b101                                   | -5
            INTEGER     | 0o17                                     | 15
            INTEGER     | -9223372036854775808                     | -9223372036854775808
            UUID        | A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11     | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
            UUID        | {a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}    | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
            UUID        | a0eebc999c0b4ef8bb6d6bb9bd380a11         | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
            UUID        | a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11  | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
            DATE        | 2024-05-01                               | 2024-05-01
            DATE        | 2024-05-01 23:59:59                      | 2024-05-01
            DATE        | 0044-03-15 BC                            | 0044-03-15 BC
            DATE        | epoch                                    | 1970-01-01
            DATE        | Infinity                                 | infinity
            TIMESTAMP   | 2024-05-01 12:00                         | 2024-05-01 12:00:00
            TIMESTAMP   | 2024-05-01T12:00:00.5                    | 2024-05-01 12:00:00.5
            TIMESTAMP   | 2024-05-01 12:00:00+02                   | 2024-05-01 12:00:00
            TIMESTAMP   | 2024-05-01 12:00:00.0000004              | 2024-05-01 12:00:00
            TIMESTAMP   | 2024-05-01 12:00:00.0000006              | 2024-05-01 12:00:00.000001
            TIMESTAMP   | 2024-05-01 23:59:59.9999999              | 2024-05-02 00:00:00
            TIMESTAMP   | 2024-05-01 24:00:00                      | 2024-05-02 00:00:00
            TIMESTAMP   | -infinity                                | -infinity
            TIMESTAMPTZ | 2024-05-01 12:00:00+02                   | 2024-05-01 10:00:00+00
            TIMESTAMPTZ | 2024-05-01 12:00:00-0330                 | 2024-05-01 15:30:00+00
            TIMESTAMPTZ | 2024-05-01T12:00:00Z                     | 2024-05-01 12:00:00+00
            TIMESTAMPTZ | 2024-05-01 12:00:00 Europe/Paris         | 2024-05-01 10:00:00+00
            TIMESTAMPTZ | 2024-05-01 12:00:00                      | 2024-05-01 12:00:00+00
            """)
    void readsTextAsPostgreSqlDoes(KeyType type, String text, String printed) {
        assertEquals(printed, KeyValue.ofText(type, text).text());
    }

    @Test
    void textIsKeptAsIs() {
        assertEquals(new KeyValue.Text("  padded "), KeyValue.ofText(KeyType.TEXT, "  padded "));
        assertEquals(new KeyValue.Text(""), KeyValue.ofText(KeyType.TEXT, ""));
    }

    @Test
    void timestamptzWithoutZoneIsReadInTheSessionZone() {
        assertEquals(new KeyValue.TimestampTz(Instant.parse("2024-01-01T11:00:00Z")),
                KeyValue.ofText(KeyType.TIMESTAMPTZ, "2024-01-01 12:00", ZoneId.of("Europe/Paris")));
    }

    @ParameterizedTest(name = "{0} ''{1}''")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            INTEGER     | abc          | 'abc' is not a valid integer shard key
            INTEGER     | 42.0         | '42.0' is not a valid integer shard key
            INTEGER     | ""           | '' is not a valid integer shard key
            INTEGER     | 1__0         | '1__0' is not a valid integer shard key
            INTEGER     | 9223372036854775808 | '9223372036854775808' is out of range for an integer shard key (bigint)
            UUID        | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1  | 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1' is not a valid uuid shard key
            UUID        | a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11 | 'a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11' is not a valid uuid shard key
            DATE        | 2024-02-30   | '2024-02-30' is not a valid date shard key
            DATE        | today        | 'today' is not a valid date shard key
            TIMESTAMP   | 2024-05-01 12:61 | '2024-05-01 12:61' is not a valid timestamp shard key
            TIMESTAMPTZ | now          | 'now' is not a valid timestamptz shard key
            """)
    void refusesWhatIsNotOfTheType(KeyType type, String text, String message) {
        InvalidShardKeyException e = assertThrows(InvalidShardKeyException.class, () -> KeyValue.ofText(type, text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void readsBinarySendFormat() {
        assertEquals(new KeyValue.Int(-2), KeyValue.ofBinary(KeyType.INTEGER, bytes("fffe")));
        assertEquals(new KeyValue.Int(42), KeyValue.ofBinary(KeyType.INTEGER, bytes("0000002a")));
        assertEquals(new KeyValue.Int(Long.MIN_VALUE), KeyValue.ofBinary(KeyType.INTEGER, bytes("8000000000000000")));
        assertEquals(new KeyValue.Text("日本"), KeyValue.ofBinary(KeyType.TEXT, "日本".getBytes(StandardCharsets.UTF_8)));
        assertEquals(new KeyValue.Uuid(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
                KeyValue.ofBinary(KeyType.UUID, bytes("a0eebc999c0b4ef8bb6d6bb9bd380a11")));
        assertEquals(new KeyValue.Date(LocalDate.of(2000, 1, 2)), KeyValue.ofBinary(KeyType.DATE, bytes("00000001")));
        assertEquals(new KeyValue.Date(LocalDate.of(1999, 12, 31)), KeyValue.ofBinary(KeyType.DATE, bytes("ffffffff")));
        assertEquals(new KeyValue.Date(LocalDate.MAX), KeyValue.ofBinary(KeyType.DATE, bytes("7fffffff")));
        assertEquals(new KeyValue.Timestamp(LocalDateTime.of(2000, 1, 1, 0, 0, 1)),
                KeyValue.ofBinary(KeyType.TIMESTAMP, ByteBuffer.allocate(8).putLong(1_000_000).array()));
        assertEquals(new KeyValue.Timestamp(LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000)),
                KeyValue.ofBinary(KeyType.TIMESTAMP, bytes("ffffffffffffffff")));
        assertEquals(new KeyValue.TimestampTz(Instant.MIN), KeyValue.ofBinary(KeyType.TIMESTAMPTZ, bytes("8000000000000000")));
        byte[] framed = bytes("ff0000002aff");
        assertEquals(new KeyValue.Int(42), KeyValue.ofBinary(KeyType.INTEGER, framed, 1, 4));
    }

    @Test
    void binaryAndTextGiveTheSameValue() {
        assertEquals(KeyValue.ofText(KeyType.INTEGER, "7"), KeyValue.ofBinary(KeyType.INTEGER, bytes("0007")));
        assertEquals(KeyValue.ofText(KeyType.DATE, "2024-05-01"),
                KeyValue.ofBinary(KeyType.DATE, ByteBuffer.allocate(4).putInt(8887).array()));
        KeyValue micros = KeyValue.ofBinary(KeyType.TIMESTAMPTZ, ByteBuffer.allocate(8).putLong(767_882_096_789_012L).array());
        assertEquals(KeyValue.ofText(KeyType.TIMESTAMPTZ, "2024-05-01 12:34:56.789012+00"), micros);
        assertEquals(PgHash.remainder(KeyValue.ofText(KeyType.TIMESTAMPTZ, "2024-05-01 12:34:56.789012+00"), 7),
                PgHash.remainder(micros, 7));
    }

    @Test
    void refusesBinaryOfTheWrongLength() {
        assertEquals("a binary integer shard key is 2, 4 or 8 bytes long, not 3",
                assertThrows(InvalidShardKeyException.class, () -> KeyValue.ofBinary(KeyType.INTEGER, new byte[3])).getMessage());
        assertEquals("a binary uuid shard key is 16 bytes long, not 15",
                assertThrows(InvalidShardKeyException.class, () -> KeyValue.ofBinary(KeyType.UUID, new byte[15])).getMessage());
        assertEquals("a binary text shard key is not valid UTF-8",
                assertThrows(InvalidShardKeyException.class, () -> KeyValue.ofBinary(KeyType.TEXT, bytes("c328"))).getMessage());
        assertThrows(InvalidShardKeyException.class, () -> KeyValue.ofBinary(KeyType.TEXT, bytes("610062")));
    }

    @Test
    void comparesInPostgreSqlOrder() {
        // uuid_cmp is memcmp: the top bit set sorts last
        assertTrue(KeyValue.ofText(KeyType.UUID, "80000000-0000-0000-0000-000000000000")
                .compareTo(KeyValue.ofText(KeyType.UUID, "7fffffff-ffff-ffff-ffff-ffffffffffff")) > 0);
        // text in UTF-8 byte order: U+FF5E (3 bytes, EF BD 9E) before U+1F600 (4 bytes, F0 ...)
        assertTrue(new KeyValue.Text("\uFF5E").compareTo(new KeyValue.Text("😀")) < 0);
        assertTrue(KeyValue.ofText(KeyType.DATE, "infinity").compareTo(KeyValue.ofText(KeyType.DATE, "9999-12-31")) > 0);
        assertThrows(IllegalArgumentException.class, () -> new KeyValue.Int(1).compareTo(new KeyValue.Text("1")));
    }

    @Test
    void literalsForMessages() {
        assertEquals("42", new KeyValue.Int(42).literal());
        assertEquals("'it''s'", new KeyValue.Text("it's").literal());
    }

    private static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
