package dev.pgsteer.proxy.tenant.gate;

/**
 * A statement that makes the backend raise a given error. pgsteer puts it in place of a statement
 * it refuses, so that the error comes back exactly where the refused statement's answer would
 * have: after the answers before it, failing the transaction it is in, skipping the rest of an
 * extended-protocol batch up to Sync. Writing those sequences itself, for every mix of simple and
 * extended messages, is what this avoids.
 */
final class RaisingStatement {
    private RaisingStatement() {
    }

    static String sql(TenantErrors error) {
        StringBuilder sql = new StringBuilder("DO $pgsteer$BEGIN RAISE EXCEPTION USING ERRCODE = '")
                .append(error.sqlState()).append("', MESSAGE = ").append(literal(error.message()));
        if (error.hint() != null) {
            sql.append(", HINT = ").append(literal(error.hint()));
        }
        return sql.append("; END$pgsteer$").toString();
    }

    private static String literal(String text) {
        return "'" + text.replace("$", "?").replace("'", "''") + "'";
    }
}
