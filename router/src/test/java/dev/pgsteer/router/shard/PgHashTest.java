package dev.pgsteer.router.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.config.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Remainders as PostgreSQL 17 computes them: each row's expected remainders are what
 * {@code satisfies_hash_partition('p'::regclass, modulus, r, 'value'::type)} accepts for a table
 * {@code p (k type) PARTITION BY HASH (k)}. HashPartitionAgreementIT in proxy-core checks thousands more
 * against a running server.
 */
class PgHashTest {

    @ParameterizedTest(name = "{0} ''{1}'' -> {2} {3} {4} {5} {6}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # type      | value                                  | mod 2 | mod 3 | mod 5 | mod 7 | mod 1000
            INTEGER     | 0                                      | 0 | 2 | 3 | 4 | 768
            INTEGER     | 1                                      | 0 | 2 | 0 | 5 | 40
            INTEGER     | 42                                     | 0 | 0 | 4 | 0 | 514
            INTEGER     | -1                                     | 1 | 2 | 4 | 0 | 869
            INTEGER     | 9223372036854775807                    | 0 | 0 | 1 | 3 | 606
            INTEGER     | -9223372036854775808                   | 1 | 1 | 4 | 0 | 119
            TEXT        | ""                                     | 0 | 2 | 1 | 1 | 806
            TEXT        | a                                      | 0 | 2 | 2 | 3 | 342
            TEXT        | mars                                   | 0 | 1 | 1 | 5 | 586
            TEXT        | hello world!                           | 0 | 2 | 1 | 5 | 876
            TEXT        | 日本語                                  | 0 | 0 | 1 | 6 | 6
            TEXT        | abcdefghijklmnopqrstuvwxyz             | 1 | 1 | 0 | 4 | 275
            UUID        | 00000000-0000-0000-0000-000000000000   | 1 | 0 | 0 | 2 | 925
            UUID        | a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11   | 0 | 1 | 1 | 6 | 56
            DATE        | 2000-01-01                             | 0 | 2 | 3 | 4 | 768
            DATE        | 2024-05-01                             | 0 | 0 | 3 | 6 | 578
            DATE        | infinity                               | 1 | 1 | 4 | 0 | 119
            TIMESTAMP   | 2000-01-01 00:00:00                    | 0 | 2 | 3 | 4 | 768
            TIMESTAMP   | 2024-05-01 12:34:56.789012             | 1 | 2 | 4 | 6 | 309
            TIMESTAMPTZ | 2024-05-01 12:34:56.789012+00          | 1 | 2 | 4 | 6 | 309
            TIMESTAMPTZ | 2024-05-01T14:34:56.789012+02:00       | 1 | 2 | 4 | 6 | 309
            """)
    void remaindersAsPostgreSqlComputesThem(KeyType type, String text, int mod2, int mod3, int mod5, int mod7, int mod1000) {
        KeyValue value = KeyValue.ofText(type, text == null ? "" : text);
        assertEquals(mod2, PgHash.remainder(value, 2));
        assertEquals(mod3, PgHash.remainder(value, 3));
        assertEquals(mod5, PgHash.remainder(value, 5));
        assertEquals(mod7, PgHash.remainder(value, 7));
        assertEquals(mod1000, PgHash.remainder(value, 1000));
    }

    @Test
    void int2AndInt4HashLikeInt8() {
        // hashint2extended and hashint4extended hash the sign-extended value; hashint8extended folds
        // the high half into the low one, which leaves a value that fits 32 bits unchanged.
        for (long v : new long[] {0, 1, -1, 42, Integer.MIN_VALUE, Integer.MAX_VALUE, Short.MIN_VALUE}) {
            assertEquals(PgHash.hashUint32Extended((int) v, PgHash.HASH_PARTITION_SEED),
                    PgHash.hashExtended(new KeyValue.Int(v), PgHash.HASH_PARTITION_SEED));
        }
    }

    @Test
    void everyTailLengthOfLookup3() {
        // Keys of 0 to 40 bytes go through every tail case (0 to 11 bytes after the 12-byte blocks):
        // the remainder never leaves [0, modulus) and one byte more changes the hash.
        String text = "";
        long previous = PgHash.partitionHash(new KeyValue.Text(text));
        for (int i = 1; i <= 40; i++) {
            text += (char) ('a' + i % 26);
            long hash = PgHash.partitionHash(new KeyValue.Text(text));
            assertEquals(false, hash == previous, "length " + i);
            previous = hash;
        }
    }

    @Test
    void hashCombine64() {
        // a ^= b + 0x49a0f4dd15e5a8e3 + (a << 54) + (a >> 7), unsigned shifts
        assertEquals(0x49a0f4dd15e5a8e3L, PgHash.hashCombine64(0, 0));
        long a = 0x8000000000000001L;
        assertEquals(a ^ (5 + 0x49a0f4dd15e5a8e3L + (1L << 54) + (0x8000000000000001L >>> 7)), PgHash.hashCombine64(a, 5));
    }

    @Test
    void modulusMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> PgHash.remainder(new KeyValue.Int(1), 0));
    }
}
