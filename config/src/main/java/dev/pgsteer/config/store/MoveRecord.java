package dev.pgsteer.config.store;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One row of {@code <schema>.moves} (migration V5): an online move of bucket {@code remainder} of
 * {@code modulus} of a co-located group of {@code tables} (each hashed on its own column of
 * {@code keys}, all of {@code keyType}) from shard {@code source} to {@code target}. {@code phase} is
 * the name of proxy-core's {@code MovePhase}; {@code owner} the node running it.
 */
public record MoveRecord(long id, String kind, String database, List<String> tables, List<String> keys, String keyType,
                         int modulus, int remainder, String source, String target, String phase, String owner,
                         String publication, String subscription, String slot, List<String> identities, long rowsCopied,
                         Long rowsTotal, long rowsDeleted, Long lagBytes, BigDecimal lagSeconds, BigDecimal holdMs, int attempts,
                         Long flipVersion, boolean cancel, String error, OffsetDateTime started, OffsetDateTime updated) {

    public MoveRecord {
        tables = List.copyOf(tables);
        keys = List.copyOf(keys);
        identities = identities == null ? List.of() : List.copyOf(identities);
    }

    /** {@code bucket 5 of 12 of orders}: SHOW MOVES' {@code what}. */
    public String what() {
        return "bucket " + remainder + " of " + modulus + " of " + String.join(", ", tables);
    }

    /** A new move, before the store gives it an id. */
    public static MoveRecord draft(String database, List<String> tables, List<String> keys, String keyType, int modulus,
                                   int remainder, String source, String target) {
        return new MoveRecord(0, "bucket", database, tables, keys, keyType, modulus, remainder, source, target, "checking", null,
                null, null, null, List.of(), 0, null, 0, null, null, null, 0, null, false, null, null, null);
    }
}
