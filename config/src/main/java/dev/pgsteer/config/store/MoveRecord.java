package dev.pgsteer.config.store;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * One row of {@code <schema>.moves} (migrations V6 to V8): an online move from shard {@code source} to
 * {@code target} of what {@code kind} says. {@code bucket}: bucket {@code remainder} of {@code modulus}
 * of a co-located group of {@code tables} (each hashed on its own column of {@code keys}, all of
 * {@code keyType}). {@code key}: directory key {@code keyValue} of the group of {@code tables} (keyed
 * on {@code keys}). {@code tenant}: tenant {@code subject}, either a shared tenant placed by its key
 * {@code keyValue} in the group of {@code tables}, or a tenant in its own schema {@code schemaName}
 * ({@code tables} then names the tenant alone, {@code tenant:<id>}, for the one-move-per-group rule), or a
 * tenant with a database of its own on its shard (no key nor schema; {@code keys} its database, then its
 * tables once checked).
 * {@code phase} is the name of proxy-core's {@code MovePhase}; {@code owner} the node running it.
 */
public record MoveRecord(long id, String kind, String database, List<String> tables, List<String> keys, String keyType,
                         int modulus, int remainder, String source, String target, String phase, String owner,
                         String publication, String subscription, String slot, List<String> identities, long rowsCopied,
                         Long rowsTotal, long rowsDeleted, Long lagBytes, BigDecimal lagSeconds, BigDecimal holdMs, int attempts,
                         Long flipVersion, boolean cancel, String error, OffsetDateTime started, OffsetDateTime updated,
                         String subject, String keyValue, String schemaName) {

    public MoveRecord {
        tables = List.copyOf(tables);
        keys = List.copyOf(keys);
        identities = identities == null ? List.of() : List.copyOf(identities);
    }

    /** A bucket move's row, as before tenant moves (migration V8). */
    public MoveRecord(long id, String kind, String database, List<String> tables, List<String> keys, String keyType,
                      int modulus, int remainder, String source, String target, String phase, String owner,
                      String publication, String subscription, String slot, List<String> identities, long rowsCopied,
                      Long rowsTotal, long rowsDeleted, Long lagBytes, BigDecimal lagSeconds, BigDecimal holdMs, int attempts,
                      Long flipVersion, boolean cancel, String error, OffsetDateTime started, OffsetDateTime updated) {
        this(id, kind, database, tables, keys, keyType, modulus, remainder, source, target, phase, owner, publication, subscription,
                slot, identities, rowsCopied, rowsTotal, rowsDeleted, lagBytes, lagSeconds, holdMs, attempts, flipVersion, cancel,
                error, started, updated, null, null, null);
    }

    /** SHOW MOVES' {@code what}: {@code bucket 5 of 12 of orders}, {@code tenant acme (key 'acme' of projects, tasks)}. */
    public String what() {
        return switch (kind) {
            case "tenant" -> schemaName != null ? "tenant " + subject + " (schema " + schemaName + ")"
                    : keyValue == null ? "tenant " + subject + " (database " + (keys.isEmpty() ? "?" : keys.getFirst()) + ")"
                    : "tenant " + subject + " (key '" + keyValue + "' of " + String.join(", ", tables) + ")";
            case "key" -> "key '" + keyValue + "' of " + String.join(", ", tables);
            default -> "bucket " + remainder + " of " + modulus + " of " + String.join(", ", tables);
        };
    }

    /** A bucket move's row: {@code kind} bucket. */
    public boolean bucket() {
        return "bucket".equals(kind);
    }

    /** A move of a tenant or a key, before the store gives it an id: {@code tables} and {@code keys} as the class says. */
    public static MoveRecord draftOf(String kind, String database, List<String> tables, List<String> keys, String subject,
                                     String keyValue, String schemaName, String source, String target) {
        return new MoveRecord(0, kind, database, tables, keys, null, 1, 0, source, target, "checking", null, null, null, null,
                List.of(), 0, null, 0, null, null, null, 0, null, false, null, null, null, subject, keyValue, schemaName);
    }

    /** A new move, before the store gives it an id. */
    public static MoveRecord draft(String database, List<String> tables, List<String> keys, String keyType, int modulus,
                                   int remainder, String source, String target) {
        return new MoveRecord(0, "bucket", database, tables, keys, keyType, modulus, remainder, source, target, "checking", null,
                null, null, null, List.of(), 0, null, 0, null, null, null, 0, null, false, null, null, null);
    }
}
