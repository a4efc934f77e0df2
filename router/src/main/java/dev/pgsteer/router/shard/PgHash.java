package dev.pgsteer.router.shard;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * PostgreSQL's hash partitioning, bit for bit, so that a key the proxy sends to shard i is a key that
 * {@code PARTITION BY HASH} with modulus = the number of shards puts in remainder i, and that
 * {@code satisfies_hash_partition} accepts there.
 *
 * <p>Reimplemented from reading PostgreSQL's source (the results are checked against a real server by
 * {@code HashPartitionAgreementIT} in proxy-core):
 * <ul>
 *   <li><a href="https://github.com/postgres/postgres/blob/master/src/common/hashfn.c">src/common/hashfn.c</a>:
 *       {@code hash_bytes_extended} and {@code hash_bytes_uint32_extended} (Bob Jenkins' lookup3,
 *       {@code mix} and {@code final}, with the 64-bit seed folded into the state first);</li>
 *   <li><a href="https://github.com/postgres/postgres/blob/master/src/include/common/hashfn.h">src/include/common/hashfn.h</a>:
 *       {@code hash_combine64};</li>
 *   <li><a href="https://github.com/postgres/postgres/blob/master/src/backend/partitioning/partbounds.c">src/backend/partitioning/partbounds.c</a>:
 *       {@code compute_partition_hash_value}, {@code satisfies_hash_partition} and
 *       {@code HASH_PARTITION_SEED};</li>
 *   <li><a href="https://github.com/postgres/postgres/blob/master/src/backend/access/hash/hashfunc.c">src/backend/access/hash/hashfunc.c</a>:
 *       {@code hashint2extended}, {@code hashint4extended}, {@code hashint8extended},
 *       {@code hashtextextended} (deterministic collations hash the bytes);
 *       {@code uuid_hash_extended} in {@code utils/adt/uuid.c}, {@code date_hash_extended} in
 *       {@code utils/adt/date.c} (an int4) and {@code timestamp_hash_extended} in
 *       {@code utils/adt/timestamp.c} (an int8, for timestamptz too).</li>
 * </ul>
 *
 * <p>lookup3 reads the key four bytes at a time in the machine's byte order; this class mirrors a
 * little-endian server (x86-64, ARM64), which is every platform PostgreSQL is commonly run on. A
 * big-endian server (s390x) places text and uuid keys differently.
 *
 * <p>Text hashes its UTF-8 bytes: this matches columns whose collation is deterministic (every
 * collation but ICU ones created with {@code deterministic = false}) in a UTF8 database.
 */
public final class PgHash {

    /** {@code HASH_PARTITION_SEED} of partbounds.c: the seed every partition key column is hashed with. */
    public static final long HASH_PARTITION_SEED = 0x7A5B22367996DCFDL;

    /** The 64-bit constant of {@code hash_combine64}. */
    private static final long COMBINE64 = 0x49a0f4dd15e5a8e3L;

    /** Microseconds and days between the Unix epoch and PostgreSQL's, 2000-01-01. */
    static final long PG_EPOCH_DAYS = 10_957;

    private PgHash() {
    }

    /**
     * The partition remainder of {@code value} in a table hash-partitioned on one column with
     * {@code modulus} partitions: the remainder whose partition PostgreSQL puts the row in.
     */
    public static int remainder(KeyValue value, int modulus) {
        if (modulus <= 0) {
            throw new IllegalArgumentException("modulus must be positive, not " + modulus);
        }
        return (int) Long.remainderUnsigned(partitionHash(value), modulus);
    }

    /**
     * {@code compute_partition_hash_value} for one non-null column: rowHash starts at 0 and combines
     * the column's extended hash under {@link #HASH_PARTITION_SEED}.
     */
    public static long partitionHash(KeyValue value) {
        return hashCombine64(0, hashExtended(value, HASH_PARTITION_SEED));
    }

    /** The type's extended hash support function (hash opclass support function 2) under {@code seed}. */
    public static long hashExtended(KeyValue value, long seed) {
        return switch (value) {
            case KeyValue.Int v -> hashInt8Extended(v.value(), seed);
            case KeyValue.Text v -> hashBytesExtended(v.value().getBytes(StandardCharsets.UTF_8), seed);
            case KeyValue.Uuid v -> hashUuidExtended(v.value(), seed);
            // date_hash_extended is hashint4extended of the day number
            case KeyValue.Date v -> hashUint32Extended(v.pgDays(), seed);
            case KeyValue.Timestamp v -> hashInt8Extended(v.pgMicros(), seed);
            case KeyValue.TimestampTz v -> hashInt8Extended(v.pgMicros(), seed);
        };
    }

    /** {@code hash_combine64(a, b)}. */
    public static long hashCombine64(long a, long b) {
        return a ^ (b + COMBINE64 + (a << 54) + (a >>> 7));
    }

    /**
     * hashint8extended. For a value that fits 32 bits the high half folds to nothing, so int2 and
     * int4 columns (hashint2extended, hashint4extended: the sign-extended value as uint32) hash the
     * same: one function serves all three.
     */
    static long hashInt8Extended(long value, long seed) {
        int lo = (int) value;
        int hi = (int) (value >>> 32);
        lo ^= value >= 0 ? hi : ~hi;
        return hashUint32Extended(lo, seed);
    }

    static long hashUuidExtended(UUID uuid, long seed) {
        byte[] bytes = new byte[16];
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (msb >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return hashBytesExtended(bytes, seed);
    }

    /** hash_bytes_uint32_extended: lookup3 of one 32-bit word. */
    static long hashUint32Extended(int k, long seed) {
        int a = 0x9e3779b9 + 4 + 3923095;
        int b = a;
        int c = a;
        if (seed != 0) {
            a += (int) (seed >>> 32);
            b += (int) seed;
            // mix(a, b, c)
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        }
        a += k;
        return fin(a, b, c);
    }

    /** hash_bytes_extended: lookup3 over {@code key}, words read little-endian. */
    static long hashBytesExtended(byte[] key, long seed) {
        int len = key.length;
        int a = 0x9e3779b9 + len + 3923095;
        int b = a;
        int c = a;
        if (seed != 0) {
            // The seed acts as a first 12-byte block: its high word, its low word, then zeroes.
            a += (int) (seed >>> 32);
            b += (int) seed;
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        }
        int p = 0;
        while (len >= 12) {
            a += word(key, p);
            b += word(key, p + 4);
            c += word(key, p + 8);
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            p += 12;
            len -= 12;
        }
        // The last 0..11 bytes: a partial word is its bytes in little-endian order, missing ones zero;
        // the lowest byte of c stays free (it held the length in Jenkins' original).
        if (len >= 9) {
            c += tail(key, p + 8, len - 8) << 8;
        }
        if (len >= 5) {
            b += len >= 8 ? word(key, p + 4) : tail(key, p + 4, len - 4);
        }
        if (len >= 1) {
            a += len >= 4 ? word(key, p) : tail(key, p, len);
        }
        return fin(a, b, c);
    }

    /** lookup3's final(a, b, c), answering ((uint64) b << 32) | c as the extended functions do. */
    private static long fin(int a, int b, int c) {
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return ((long) b << 32) | (c & 0xFFFFFFFFL);
    }

    private static int word(byte[] k, int p) {
        return (k[p] & 0xFF) | (k[p + 1] & 0xFF) << 8 | (k[p + 2] & 0xFF) << 16 | (k[p + 3] & 0xFF) << 24;
    }

    /** 1 to 3 bytes as the low bytes of a little-endian word. */
    private static int tail(byte[] k, int p, int n) {
        int w = 0;
        for (int i = n - 1; i >= 0; i--) {
            w = (w << 8) | (k[p + i] & 0xFF);
        }
        return w;
    }
}
