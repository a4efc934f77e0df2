package dev.pgsteer.proxy.sharding.move;

import java.util.List;

/**
 * A tenant in its own schema: every row of every table of {@code schema} moves. {@code tables} are the
 * schema's plain tables by bare name, read on the source at checking (none before); the target's
 * schema is made by the move, and the checksum step compares the two schemas' table lists as well, so
 * a table made during the move stops the cutover rather than being left behind.
 */
record SchemaScope(long id, String schema, List<String> tables) implements MoveScope {

    SchemaScope {
        tables = List.copyOf(tables);
    }

    String qualified(int table) {
        return MoveNames.ident(schema) + "." + MoveNames.ident(tables.get(table));
    }

    @Override
    public String createPublication() {
        // FOR TABLE of each (not FOR TABLES IN SCHEMA, which only a superuser may publish): the tables' owner may.
        StringBuilder sql = new StringBuilder("CREATE PUBLICATION ").append(publication()).append(" FOR TABLE ");
        for (int i = 0; i < tables.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(qualified(i));
        }
        return sql.toString();
    }

    @Override
    public boolean marks() {
        return false;
    }

    @Override
    public String count(int table) {
        return "SELECT count(*) FROM " + qualified(table);
    }

    @Override
    public String checksum(int table) {
        return "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0)::text FROM "
                + qualified(table) + " t";
    }

    @Override
    public String deleteBatch(int table, int batch) {
        String t = qualified(table);
        return "DELETE FROM " + t + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + t + " LIMIT " + batch + "))";
    }

    @Override
    public String tableListQuery() {
        return tableList();
    }

    @Override
    public String holder() {
        return "schema " + schema;
    }

    /** The schema's plain tables, by name, in order: the same list on both sides, or the cutover stops. */
    String tableList() {
        return "SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '') FROM pg_class c JOIN pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE n.nspname = " + MoveNames.literal(schema) + " AND c.relkind IN ('r', 'p')";
    }

    String dropSchema() {
        return "DROP SCHEMA IF EXISTS " + MoveNames.ident(schema) + " CASCADE";
    }

    @Override
    public List<String> createFence(int table) {
        return MoveScope.fence(function(table), trigger(), qualified(table), "true", "true",
                MoveNames.literal("schema " + schema + " (pgsteer move " + id + ")"));
    }

    @Override
    public List<String> dropFence(int table) {
        return MoveScope.dropFence(function(table), trigger(), qualified(table));
    }

    private String function(int table) {
        return "public.pgsteer_move_" + id + "_fence_" + table;
    }

    private String trigger() {
        return "pgsteer_move_" + id + "_fence";
    }
}
