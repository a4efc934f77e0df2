package dev.pgsteer.router.command;

import java.util.List;

/**
 * What the session knows of its tables' columns, in the order PostgreSQL gives them to an INSERT
 * without a column list (its catalog's attnum order, dropped columns left out): learned from the
 * default shard's catalog by the proxy, since the shard map does not say.
 */
@FunctionalInterface
public interface TableColumns {
    /** Knows no table: every INSERT without a column list into a sharded table asks for its columns first. */
    TableColumns NONE = table -> null;

    /** The table's column names in order, or null when they are not known (then ask the catalog). */
    List<String> of(String table);
}
