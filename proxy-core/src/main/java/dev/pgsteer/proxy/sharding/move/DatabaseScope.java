package dev.pgsteer.proxy.sharding.move;

import java.util.List;
import java.util.stream.Stream;

/**
 * A tenant with a database of its own on its shard: every row of every table of every schema of
 * {@code database} moves, and the database with them. {@code tables} are the database's plain tables,
 * each quoted with its schema ({@code "public"."notes"}), read on the source at checking (none before).
 * The store keeps the database first and the tables after it in the move's {@code keys} (a tenant
 * move of this kind has no key columns). The target's database is made by the move; the checksum step
 * compares the two databases' table lists as well, so a table made during the move stops the cutover
 * rather than being left behind.
 */
record DatabaseScope(long id, String database, List<String> tables) implements MoveScope {

    DatabaseScope {
        tables = List.copyOf(tables);
    }

    /** The scope of a move whose {@code keys} are its database and, once checked, its tables. */
    static DatabaseScope of(long id, List<String> keys) {
        if (keys.isEmpty()) {
            throw new MoveRefusedException("tenant move " + id + " names no database");
        }
        return new DatabaseScope(id, keys.getFirst(), keys.subList(1, keys.size()));
    }

    /** What the store keeps in the move's {@code keys}: the database, then {@code tables}. */
    static List<String> keys(String database, List<String> tables) {
        return Stream.concat(Stream.of(database), tables.stream()).toList();
    }

    /** A namespace alias {@code n} outside PostgreSQL's own schemas: where the tenant's tables are. */
    static String userSchema(String n) {
        return n + ".nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND " + n + ".nspname NOT LIKE 'pg\\_%'";
    }

    @Override
    public String createPublication() {
        // FOR TABLE of each (FOR ALL TABLES needs a superuser): the tables' owner may.
        return "CREATE PUBLICATION " + publication() + " FOR TABLE " + String.join(", ", tables);
    }

    @Override
    public boolean marks() {
        // The copy makes the target's tables as their owner, not the move's login: no barrier table of the login's in
        // the tenant's database; the barrier waits for the slot's confirmed position instead.
        return false;
    }

    @Override
    public String count(int table) {
        return "SELECT count(*) FROM " + tables.get(table);
    }

    @Override
    public String checksum(int table) {
        return "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0)::text FROM "
                + tables.get(table) + " t";
    }

    @Override
    public String deleteBatch(int table, int batch) {
        String t = tables.get(table);
        return "DELETE FROM " + t + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + t + " LIMIT " + batch + "))";
    }

    @Override
    public String tableListQuery() {
        return tableList();
    }

    @Override
    public String holder() {
        return "database " + database;
    }

    /** The database's plain tables, quoted with their schemas, in byte order: the same list on both sides, or the cutover stops. */
    static String tableList() {
        return "SELECT coalesce(string_agg(t, ',' ORDER BY t COLLATE \"C\"), '') FROM (SELECT format('\"%s\".\"%s\"',"
                + " replace(n.nspname, '\"', '\"\"'), replace(c.relname, '\"', '\"\"')) AS t FROM pg_class c JOIN pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE " + userSchema("n") + " AND c.relkind = 'r') x";
    }

    /** The database's sequences and their positions: logical replication does not carry them. */
    static String sequences() {
        return "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences s JOIN pg_namespace n"
                + " ON n.nspname = s.schemaname WHERE " + userSchema("n") + " AND last_value IS NOT NULL";
    }

    String dropDatabase() {
        return dropDatabase(database);
    }

    static String dropDatabase(String name) {
        return "DROP DATABASE IF EXISTS " + MoveNames.ident(name) + " WITH (FORCE)";
    }

    /**
     * The name the target's database is made under, and made ready, before it takes the tenant's: a
     * database of this name is the move's (its objects are named {@code pgsteer_move_<id>...}), so one
     * left half made is dropped without a doubt.
     */
    String makingName() {
        return "pgsteer_move_" + id + "_db";
    }

    /** The comment the move's database carries until the move ends: a database of the tenant's name with it is the move's. */
    String mark() {
        return "pgsteer move " + id;
    }

    /** True when the target's database of the tenant's name is the one this move made (its {@link #mark}). */
    String markedOnTarget() {
        return "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = " + MoveNames.literal(database)
                + " AND shobj_description(oid, 'pg_database') = " + MoveNames.literal(mark()) + ")";
    }

    @Override
    public List<String> createFence(int table) {
        return MoveScope.fence(function(table), trigger(), tables.get(table), "true", "true",
                MoveNames.literal("database " + database + " (pgsteer move " + id + ")"));
    }

    @Override
    public List<String> dropFence(int table) {
        return MoveScope.dropFence(function(table), trigger(), tables.get(table));
    }

    private String function(int table) {
        return "public.pgsteer_move_" + id + "_fence_" + table;
    }

    private String trigger() {
        return "pgsteer_move_" + id + "_fence";
    }
}
