package dev.pgsteer.proxy.sharding.move;

import java.util.List;

/**
 * The SQL a move runs on the shards, for move {@code id} of bucket {@code remainder} of {@code modulus}
 * of {@code tables} (hashed on {@code keys}, of {@code keyType}). Every object it makes is named
 * {@code pgsteer_move_<id>...}, so a rollback or a cleanup by another instance finds them by the id
 * alone. Pure text: no connection here.
 */
record MoveNames(long id, List<String> tables, List<String> keys, String keyType, int modulus, int remainder) implements MoveScope {

    MoveNames {
        tables = List.copyOf(tables);
        keys = List.copyOf(keys);
    }

    /** A hash-partitioned table of the key's type, for {@code satisfies_hash_partition}; made on both shards. */
    String template() {
        return "pgsteer_move_" + id + "_hash";
    }

    String createTemplate() {
        return "CREATE TABLE IF NOT EXISTS " + template() + " (k " + keyType + ") PARTITION BY HASH (k)";
    }

    String dropTemplate() {
        return "DROP TABLE IF EXISTS " + template();
    }

    /** True for the rows of the bucket: exactly the keys pgsteer routes to it (the README's hash contract). */
    String inBucket(int table) {
        return "satisfies_hash_partition('" + template() + "'::regclass, " + modulus + ", " + remainder + ", "
                + ident(keys.get(table)) + ")";
    }

    @Override
    public String createPublication() {
        StringBuilder sql = new StringBuilder("CREATE PUBLICATION ").append(publication()).append(" FOR TABLE ");
        for (int i = 0; i < tables.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(ident(tables.get(i))).append(" WHERE (").append(inBucket(i)).append(")");
        }
        return sql.append(", ").append(marker()).toString();
    }

    @Override
    public String count(int table) {
        return "SELECT count(*) FROM " + ident(tables.get(table)) + " WHERE " + inBucket(table);
    }

    /**
     * The bucket's rows of one table as a count and an order-free checksum: the sum of the first 64 bits
     * of each row's md5 (of its text, the same on both shards given the same settings, {@link #SETTINGS}).
     */
    @Override
    public String checksum(int table) {
        return "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0)::text FROM "
                + ident(tables.get(table)) + " t WHERE " + inBucket(table);
    }

    /** Run on both sides before a checksum: rows' text must not depend on a session's settings. */
    static final List<String> SETTINGS = List.of("SET DateStyle = ISO, YMD", "SET TimeZone = 'UTC'", "SET extra_float_digits = 3",
            "SET bytea_output = 'hex'", "SET IntervalStyle = 'postgres'");

    /** Deletes up to {@code batch} of the bucket's rows; the fence lets this session through ({@link #FENCE_OFF}). */
    @Override
    public String deleteBatch(int table, int batch) {
        String t = ident(tables.get(table));
        return "DELETE FROM " + t + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + t + " WHERE " + inBucket(table) + " LIMIT "
                + batch + "))";
    }

    static final String FENCE_OFF = "SET pgsteer.move_fence = 'off'";

    String fenceFunction(int table) {
        return "pgsteer_move_" + id + "_fence_" + table;
    }

    String fenceTrigger() {
        return "pgsteer_move_" + id + "_fence";
    }

    /**
     * The fence: on the source, a write that would change a row of the bucket fails with 40001 from the
     * moment it is in, whichever instance sends it and whatever shard map version it routes by. Its
     * CREATE TRIGGER takes a lock that waits for every transaction that has written the table, so once
     * it is in no earlier write of the bucket is still open.
     */
    @Override
    public List<String> createFence(int table) {
        String key = ident(keys.get(table));
        String hashOf = "satisfies_hash_partition('" + template() + "'::regclass, " + modulus + ", " + remainder + ", ";
        String function = "CREATE OR REPLACE FUNCTION " + fenceFunction(table) + "() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
                + "BEGIN\n"
                + "  IF current_setting('pgsteer.move_fence', true) = 'off' THEN RETURN COALESCE(NEW, OLD); END IF;\n"
                + "  IF TG_OP = 'TRUNCATE' OR (TG_OP <> 'DELETE' AND " + hashOf + "NEW." + key + "))"
                + " OR (TG_OP <> 'INSERT' AND " + hashOf + "OLD." + key + ")) THEN\n"
                + "    RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'could not serialize access: bucket " + remainder + " of "
                + modulus + " of table ' || TG_TABLE_NAME || ' is moving to another shard (pgsteer move " + id
                + "); retry the transaction';\n"
                + "  END IF;\n"
                + "  RETURN COALESCE(NEW, OLD);\n"
                + "END $f$";
        String t = ident(tables.get(table));
        return List.of(function,
                "CREATE TRIGGER " + fenceTrigger() + " BEFORE INSERT OR UPDATE OR DELETE ON " + t + " FOR EACH ROW EXECUTE FUNCTION "
                        + fenceFunction(table) + "()",
                "CREATE TRIGGER " + fenceTrigger() + "_t BEFORE TRUNCATE ON " + t + " FOR EACH STATEMENT EXECUTE FUNCTION "
                        + fenceFunction(table) + "()");
    }

    @Override
    public List<String> dropFence(int table) {
        String t = ident(tables.get(table));
        return List.of("DROP TRIGGER IF EXISTS " + fenceTrigger() + " ON " + t, "DROP TRIGGER IF EXISTS " + fenceTrigger() + "_t ON " + t,
                "DROP FUNCTION IF EXISTS " + fenceFunction(table) + "()");
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
