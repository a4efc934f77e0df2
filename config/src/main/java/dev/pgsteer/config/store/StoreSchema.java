package dev.pgsteer.config.store;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The metadata store's schema and the names derived from it, quoted for SQL. Quoting makes any
 * schema name safe to splice into a statement (identifiers cannot be bind parameters), and keeps its
 * case as written in the YAML.
 */
record StoreSchema(String name) {

    /** PostgreSQL's NAMEDATALEN - 1: longer identifiers are cut, and pg_notify refuses longer channels. */
    private static final int MAX_NAME_BYTES = 63;

    StoreSchema {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.indexOf('\0') >= 0 || bytes(name) > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("'" + name + "' cannot be the metadata store's schema: use 1 to "
                    + MAX_NAME_BYTES + " bytes, like pgsteer");
        }
    }

    /** {@code "pgsteer"}. */
    String quoted() {
        return quote(name);
    }

    /** {@code "pgsteer".tenants}. */
    String table(String table) {
        return quoted() + "." + table;
    }

    /**
     * The LISTEN/NOTIFY channel of this directory, {@code pgsteer_tenants} for the default schema: one
     * per schema, so two deployments sharing a database do not wake each other.
     */
    String channel() {
        String channel = name + "_tenants";
        if (bytes(channel) <= MAX_NAME_BYTES) {
            return channel;
        }
        // String.hashCode is specified, so every instance derives the same channel.
        return "pgsteer_tenants_" + HexFormat.of().toHexDigits(name.hashCode());
    }

    /** The key of the advisory lock that lets one proxy at a time migrate this schema. */
    String lockName() {
        return "pgsteer migrations " + name;
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
