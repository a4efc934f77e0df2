package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PgHash} against a real PostgreSQL: for every key of every key type, the partition that
 * PostgreSQL's own tuple routing puts the row in ({@code PARTITION BY HASH} with modulus 2, 3 and 5)
 * is the remainder PgHash computes, and {@code satisfies_hash_partition} agrees for moduli 7 and
 * 1000. Each key is read three more ways and must give the same {@link KeyValue}: from the text the
 * test sent, from the binary form the test encoded, from PostgreSQL's own text output and from its
 * {@code *send} function (the binary format of a Bind parameter).
 */
class HashPartitionAgreementIT {

    private static final int KEYS_PER_TYPE = 3000;
    private static final int[] TABLE_MODULI = {2, 3, 5};
    private static final int[] FUNCTION_MODULI = {7, 1000};

    private static EmbeddedPostgres postgres;
    private static Connection connection;

    /** One key: its text for PostgreSQL's input function, and its binary send format. */
    record Key(String text, byte[] binary) {
    }

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        try (Connection admin = postgres.getPostgresDatabase().getConnection(); Statement s = admin.createStatement()) {
            // UTF8, so multibyte text is stored as the UTF-8 the proxy hashes.
            s.execute("CREATE DATABASE hashes ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        }
        connection = postgres.getDatabase("postgres", "hashes").getConnection();
        try (Statement s = connection.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            s.execute("SET DateStyle = 'ISO, YMD'");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    static Stream<Arguments> keyTypes() {
        return Stream.of(
                Arguments.of("int2", "int2send", KeyType.INTEGER, keys(KeyTypes::int2)),
                Arguments.of("int4", "int4send", KeyType.INTEGER, keys(KeyTypes::int4)),
                Arguments.of("int8", "int8send", KeyType.INTEGER, keys(KeyTypes::int8)),
                Arguments.of("text", "textsend", KeyType.TEXT, keys(KeyTypes::text)),
                Arguments.of("varchar", "varcharsend", KeyType.TEXT, keys(KeyTypes::text)),
                Arguments.of("uuid", "uuid_send", KeyType.UUID, keys(KeyTypes::uuid)),
                Arguments.of("date", "date_send", KeyType.DATE, keys(KeyTypes::date)),
                Arguments.of("timestamp", "timestamp_send", KeyType.TIMESTAMP, keys(KeyTypes::timestamp)),
                Arguments.of("timestamptz", "timestamptz_send", KeyType.TIMESTAMPTZ, keys(KeyTypes::timestamptz)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyTypes")
    void postgresPlacesEveryKeyWherePgHashSays(String sqlType, String sendFunction, KeyType keyType, List<Key> keys)
            throws SQLException {
        String[] texts = keys.stream().map(Key::text).toArray(String[]::new);
        List<String> mismatches = new ArrayList<>();
        int agreed = 0;
        for (int modulus : TABLE_MODULI) {
            String table = "h_" + sqlType + "_" + modulus;
            try (Statement s = connection.createStatement()) {
                s.execute("CREATE TABLE " + table + " (i int, k " + sqlType + ") PARTITION BY HASH (k)");
                for (int r = 0; r < modulus; r++) {
                    s.execute("CREATE TABLE " + table + "_" + r + " PARTITION OF " + table
                            + " FOR VALUES WITH (MODULUS " + modulus + ", REMAINDER " + r + ")");
                }
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                    + " SELECT i, k::" + sqlType + " FROM unnest(?::text[]) WITH ORDINALITY AS u(k, i)")) {
                insert.setArray(1, connection.createArrayOf("text", texts));
                assertEquals(keys.size(), insert.executeUpdate());
            }
            try (Statement s = connection.createStatement();
                    ResultSet rows = s.executeQuery("SELECT i, tableoid::regclass::text, k::text, " + sendFunction + "(k) FROM " + table)) {
                int rowCount = 0;
                while (rows.next()) {
                    rowCount++;
                    Key key = keys.get(rows.getInt(1) - 1);
                    String partition = rows.getString(2);
                    KeyValue value = KeyValue.ofBinary(keyType, key.binary());
                    assertEquals(value, KeyValue.ofText(keyType, key.text()), () -> "ofText(" + key.text() + ")");
                    assertEquals(value, KeyValue.ofText(keyType, rows.getString(3)), () -> "ofText of PostgreSQL's output " + key.text());
                    byte[] sent = rows.getBytes(4);
                    assertEquals(value, KeyValue.ofBinary(keyType, sent), () -> "ofBinary of PostgreSQL's send of " + key.text());
                    int remainder = PgHash.remainder(value, modulus);
                    if (partition.equals(table + "_" + remainder)) {
                        agreed++;
                    } else if (mismatches.size() < 10) {
                        mismatches.add(key.text() + " (" + HexFormat.of().formatHex(key.binary()) + "): PostgreSQL "
                                + partition + ", PgHash remainder " + remainder);
                    }
                }
                assertEquals(keys.size(), rowCount);
            }
        }
        assertTrue(mismatches.isEmpty(), () -> sqlType + ": " + mismatches);

        int checkedByFunction = 0;
        String parent = "h_" + sqlType + "_" + TABLE_MODULI[0];
        for (int modulus : FUNCTION_MODULI) {
            Integer[] remainders = keys.stream()
                    .map(k -> PgHash.remainder(KeyValue.ofText(keyType, k.text()), modulus))
                    .toArray(Integer[]::new);
            try (PreparedStatement check = connection.prepareStatement("SELECT count(*), count(*) FILTER (WHERE NOT "
                    + "satisfies_hash_partition('" + parent + "'::regclass, " + modulus + ", r, k::" + sqlType + ")) "
                    + "FROM unnest(?::text[], ?::int[]) AS u(k, r)")) {
                Array textArray = connection.createArrayOf("text", texts);
                check.setArray(1, textArray);
                check.setArray(2, connection.createArrayOf("int4", remainders));
                try (ResultSet rs = check.executeQuery()) {
                    rs.next();
                    assertEquals(keys.size(), rs.getInt(1));
                    assertEquals(0, rs.getInt(2), () -> sqlType + ": satisfies_hash_partition disagrees, modulus " + modulus);
                    checkedByFunction += rs.getInt(1);
                }
            }
        }
        System.out.printf(Locale.ROOT, "HashPartitionAgreementIT %-11s %d keys x moduli %s: %d placements agree; "
                + "satisfies_hash_partition agrees on %d (moduli 7, 1000)%n",
                sqlType, keys.size(), "2,3,5", agreed, checkedByFunction);
    }

    private static List<Key> keys(java.util.function.BiConsumer<Random, Consumer<Key>> generator) {
        List<Key> keys = new ArrayList<>();
        Random random = new Random(20240501L);
        generator.accept(random, keys::add);
        return List.copyOf(keys);
    }

    /** Key generators: the extremes first, then random keys up to {@link #KEYS_PER_TYPE}. */
    static final class KeyTypes {
        private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);
        private static final long PG_EPOCH_SECONDS = 946_684_800L;

        static void int2(Random random, Consumer<Key> out) {
            for (short v : new short[] {0, 1, -1, Short.MIN_VALUE, Short.MAX_VALUE}) {
                out.accept(int2(v));
            }
            for (int i = 5; i < KEYS_PER_TYPE; i++) {
                out.accept(int2((short) random.nextInt()));
            }
        }

        private static Key int2(short v) {
            return new Key(" " + v + " ", ByteBuffer.allocate(2).putShort(v).array());
        }

        static void int4(Random random, Consumer<Key> out) {
            for (int v : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, Short.MIN_VALUE, Short.MAX_VALUE + 1}) {
                out.accept(new Key(Integer.toString(v), ByteBuffer.allocate(4).putInt(v).array()));
            }
            for (int i = 7; i < KEYS_PER_TYPE; i++) {
                int v = i % 2 == 0 ? random.nextInt() : random.nextInt(2001) - 1000;
                out.accept(new Key(Integer.toString(v), ByteBuffer.allocate(4).putInt(v).array()));
            }
        }

        static void int8(Random random, Consumer<Key> out) {
            long[] extremes = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE,
                    Integer.MIN_VALUE - 1L, Integer.MAX_VALUE + 1L, 1L << 32, -(1L << 32)};
            for (long v : extremes) {
                out.accept(int8(v));
            }
            for (int i = extremes.length; i < KEYS_PER_TYPE; i++) {
                long v = switch (i % 3) {
                    case 0 -> random.nextLong();
                    case 1 -> random.nextInt();
                    default -> random.nextLong() >> random.nextInt(64);
                };
                out.accept(int8(v));
            }
        }

        private static Key int8(long v) {
            String text = v % 7 == 3 ? "+" + v : Long.toString(v);
            return new Key(text, ByteBuffer.allocate(8).putLong(v).array());
        }

        static void text(Random random, Consumer<Key> out) {
            String[] fixed = {"", "a", "ab", "abc", "abcd", "hello world!", "é", "日本語", "😀", "mars", "Ωmega-Ω",
                    "tab\tand\nnewline", "quote ' and backslash \\"};
            for (String s : fixed) {
                out.accept(text(s));
            }
            String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ .,";
            for (int i = fixed.length; i < KEYS_PER_TYPE; i++) {
                int length = random.nextInt(i % 10 == 0 ? 200 : 30);
                StringBuilder s = new StringBuilder();
                while (s.length() < length) {
                    if (i % 3 == 0) {
                        int cp;
                        do {
                            cp = 1 + random.nextInt(random.nextBoolean() ? 0x7FF : 0x10FFFF);
                        } while (Character.getType(cp) == Character.SURROGATE || Character.getType(cp) == Character.UNASSIGNED);
                        s.appendCodePoint(cp);
                    } else {
                        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
                    }
                }
                out.accept(text(s.toString()));
            }
        }

        private static Key text(String s) {
            return new Key(s, s.getBytes(StandardCharsets.UTF_8));
        }

        static void uuid(Random random, Consumer<Key> out) {
            out.accept(uuid(new UUID(0, 0), 0));
            out.accept(uuid(new UUID(-1, -1), 1));
            out.accept(uuid(new UUID(Long.MIN_VALUE, 0), 2));
            for (int i = 3; i < KEYS_PER_TYPE; i++) {
                out.accept(uuid(new UUID(random.nextLong(), random.nextLong()), i));
            }
        }

        /** In the forms PostgreSQL reads: canonical, upper case, braces, no hyphens, hyphen every four digits. */
        private static Key uuid(UUID u, int form) {
            String canonical = u.toString();
            String hex = canonical.replace("-", "");
            String text = switch (form % 5) {
                case 0 -> canonical;
                case 1 -> canonical.toUpperCase(Locale.ROOT);
                case 2 -> "{" + canonical + "}";
                case 3 -> hex;
                default -> String.join("-", hex.split("(?<=\\G.{4})"));
            };
            return new Key(text, ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array());
        }

        static void date(Random random, Consumer<Key> out) {
            out.accept(new Key("infinity", ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array()));
            out.accept(new Key("-infinity", ByteBuffer.allocate(4).putInt(Integer.MIN_VALUE).array()));
            out.accept(date(0));
            out.accept(date(-1));
            out.accept(date(-730_485)); // 0001-01-01
            out.accept(date(-730_486)); // 0001-12-31 BC
            for (int i = 6; i < KEYS_PER_TYPE; i++) {
                // years about 4000 BC to 9000 AD, most near now
                int days = i % 4 == 0 ? random.nextInt(4_400_000) - 2_200_000 : random.nextInt(40_000) - 20_000;
                out.accept(date(days));
            }
        }

        private static Key date(int pgDays) {
            LocalDate d = LocalDate.ofEpochDay(pgDays + 10_957L);
            return new Key(dateText(d), ByteBuffer.allocate(4).putInt(pgDays).array());
        }

        private static String dateText(LocalDate d) {
            return d.getYear() > 0
                    ? String.format(Locale.ROOT, "%04d-%02d-%02d", d.getYear(), d.getMonthValue(), d.getDayOfMonth())
                    : String.format(Locale.ROOT, "%04d-%02d-%02d BC", 1 - d.getYear(), d.getMonthValue(), d.getDayOfMonth());
        }

        static void timestamp(Random random, Consumer<Key> out) {
            timestamps(random, out, false);
        }

        static void timestamptz(Random random, Consumer<Key> out) {
            timestamps(random, out, true);
        }

        private static void timestamps(Random random, Consumer<Key> out, boolean withZone) {
            out.accept(new Key("infinity", ByteBuffer.allocate(8).putLong(Long.MAX_VALUE).array()));
            out.accept(new Key("-infinity", ByteBuffer.allocate(8).putLong(Long.MIN_VALUE).array()));
            long[] fixed = {0, 1, -1, 999_999, 86_400_000_000L, -86_400_000_000L};
            for (long v : fixed) {
                out.accept(timestamp(v, withZone, 0));
            }
            for (int i = 2 + fixed.length; i < KEYS_PER_TYPE; i++) {
                // years 1 to about 9000, some whole seconds, some with microseconds
                long micros = (random.nextLong(-63_000_000_000L, 220_000_000_000L)) * 1_000_000L
                        + (i % 2 == 0 ? random.nextInt(1_000_000) : 0);
                out.accept(timestamp(micros, withZone, i));
            }
        }

        private static Key timestamp(long pgMicros, boolean withZone, int form) {
            Instant instant = Instant.ofEpochSecond(Math.floorDiv(pgMicros, 1_000_000L) + PG_EPOCH_SECONDS,
                    Math.floorMod(pgMicros, 1_000_000L) * 1000);
            String text;
            if (withZone) {
                // Written in some offset: PostgreSQL and KeyValue must both bring it back to UTC.
                ZoneOffset offset = switch (form % 4) {
                    case 0 -> ZoneOffset.UTC;
                    case 1 -> ZoneOffset.ofHoursMinutes(5, 30);
                    case 2 -> ZoneOffset.ofHours(-8);
                    default -> ZoneOffset.ofHoursMinutes(-3, -45);
                };
                LocalDateTime local = LocalDateTime.ofInstant(instant, offset);
                String id = offset.getId().equals("Z") ? "+00" : offset.getId();
                text = (form % 2 == 0 ? local.format(LOCAL) : local.format(LOCAL).replace(' ', 'T')) + id;
            } else {
                text = LocalDateTime.ofInstant(instant, ZoneOffset.UTC).format(LOCAL);
            }
            return new Key(text, ByteBuffer.allocate(8).putLong(pgMicros).array());
        }
    }
}
