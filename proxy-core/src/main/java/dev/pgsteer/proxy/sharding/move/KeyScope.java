package dev.pgsteer.proxy.sharding.move;

import java.util.List;

/**
 * One key of a directory group, with its rows in each table of the group: {@code MOVE KEY}, and a
 * shared tenant, whose rows are those of its id in its database's {@code tenancy.directory} group. The
 * rows are those whose key column equals {@code key} read in the key's type ({@code keyType}, read on
 * the source at checking; null before): exactly the rows routing sends to the key's shard.
 */
record KeyScope(long id, List<String> tables, List<String> keys, String keyType, String key) implements MoveScope {

    KeyScope {
        tables = List.copyOf(tables);
        keys = List.copyOf(keys);
    }

    /** True for the key's rows of one table ({@code row}: {@code NEW.}, {@code OLD.} or nothing). */
    private String isKey(int table, String row) {
        return row + MoveNames.ident(keys.get(table)) + " = " + MoveNames.literal(key) + "::" + keyType;
    }

    @Override
    public String createPublication() {
        StringBuilder sql = new StringBuilder("CREATE PUBLICATION ").append(publication()).append(" FOR TABLE ");
        for (int i = 0; i < tables.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(MoveNames.ident(tables.get(i))).append(" WHERE (").append(isKey(i, "")).append(")");
        }
        return sql.append(", ").append(marker()).toString();
    }

    @Override
    public String count(int table) {
        return "SELECT count(*) FROM " + MoveNames.ident(tables.get(table)) + " WHERE " + isKey(table, "");
    }

    @Override
    public String checksum(int table) {
        return "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric), 0)::text FROM "
                + MoveNames.ident(tables.get(table)) + " t WHERE " + isKey(table, "t.");
    }

    @Override
    public String deleteBatch(int table, int batch) {
        String t = MoveNames.ident(tables.get(table));
        return "DELETE FROM " + t + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + t + " WHERE " + isKey(table, "") + " LIMIT "
                + batch + "))";
    }

    @Override
    public List<String> createFence(int table) {
        return MoveScope.fence(function(table), trigger(), MoveNames.ident(tables.get(table)), isKey(table, "NEW."),
                isKey(table, "OLD."), MoveNames.literal("key " + key + " of table ") + " || TG_TABLE_NAME || "
                        + MoveNames.literal(" (pgsteer move " + id + ")"));
    }

    @Override
    public List<String> dropFence(int table) {
        return MoveScope.dropFence(function(table), trigger(), MoveNames.ident(tables.get(table)));
    }

    private String function(int table) {
        return "pgsteer_move_" + id + "_fence_" + table;
    }

    private String trigger() {
        return "pgsteer_move_" + id + "_fence";
    }
}
