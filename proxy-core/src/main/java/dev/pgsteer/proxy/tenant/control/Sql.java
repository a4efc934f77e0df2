package dev.pgsteer.proxy.tenant.control;

/** Quoting for the statements pgsteer writes itself. */
final class Sql {
    private Sql() {
    }

    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
