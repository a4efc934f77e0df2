package dev.pgsteer.router.plan;

import java.util.Map;

/**
 * How a sharded database's values compare, as its catalog says: whether pgsteer's merge, which
 * compares text byte by byte, orders and groups them exactly as PostgreSQL would. Learned from the
 * default shard's catalog (at start, and after DDL through pgsteer); the merge planner sends what it
 * cannot prove exact to the coordinator step, where PostgreSQL itself sorts.
 *
 * @param databaseDefault the order of the database's default collation ({@code pg_database}), which
 *                        every collatable column without its own COLLATE has; null when not known
 * @param columns         table (as the shard map names it) to column to the order its values
 *                        compare in; a table or column missing is not known
 * @param complete        read from the catalog: {@code columns} has every column of every table of
 *                        the shard map that existed then, so a table or column missing was made
 *                        since (on the shards directly), perhaps with a collation of its own, and
 *                        nothing may be assumed of it. False for a map written by hand (tests of
 *                        routing alone), whose missing columns have the database's default collation
 */
public record Collations(Order databaseDefault, Map<String, Map<String, Order>> columns, boolean complete) {

    /** Nothing learned yet: no text ordering can be proven exact. */
    public static final Collations UNKNOWN = new Collations(null, Map.of());

    /** A database whose default collation sorts by bytes ("C"), no column known: the merge as it always was. */
    public static final Collations BYTEWISE_DEFAULT = new Collations(Order.BYTES, Map.of());

    public Collations {
        columns = Map.copyOf(columns);
    }

    /** A map written by hand: a column it does not list has the database's default collation. */
    public Collations(Order databaseDefault, Map<String, Map<String, Order>> columns) {
        this(databaseDefault, columns, false);
    }

    /** How values of one column (or the database's default collation) compare. */
    public enum Order {
        /**
         * The merge reproduces PostgreSQL's order and equality: a type it compares that has no
         * collation (integers, numeric, dates, uuid, ...), or text in a collation that sorts by code
         * point, which for UTF-8 is byte order ("C", "POSIX", ucs_basic, pg_c_utf8, libc C.UTF-8).
         */
        BYTES,
        /** Text in a deterministic linguistic collation (ICU, libc en_US.UTF-8): equal means equal bytes, order is PostgreSQL's only. */
        LINGUISTIC,
        /** A type the merge cannot order (an enum, interval, arrays, ...): equal still means equal bytes. */
        UNORDERED,
        /** A nondeterministic collation: neither order nor equality is bytes (case-insensitive 'a' = 'A'). */
        NONDETERMINISTIC
    }

    /** The order of {@code column} of {@code table}, or null when the catalog has not told it. */
    public Order of(String table, String column) {
        Map<String, Order> ofTable = columns.get(table);
        return ofTable == null ? null : ofTable.get(column);
    }

    /** Whether the catalog has told {@code table}'s columns. */
    public boolean knows(String table) {
        return columns.containsKey(table);
    }
}
