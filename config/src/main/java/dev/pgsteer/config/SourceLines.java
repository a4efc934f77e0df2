package dev.pgsteer.config;

import java.util.Map;
import java.util.Objects;

/**
 * The line on which entries of the file were written, keyed by their dotted path
 * ({@code databases.shop.tables.orders}), so that a problem found after loading (the catalog check at
 * start) can still name its file and line. Only what such checks need is recorded.
 */
public record SourceLines(Map<String, Integer> lines) {

    /** For a configuration not read from a file (quick mode, tests). */
    public static final SourceLines NONE = new SourceLines(Map.of());

    public SourceLines {
        lines = Map.copyOf(Objects.requireNonNull(lines, "lines"));
    }

    /** The 1-based line of {@code path}, or 0 when unknown (a {@link ConfigProblem} then names only the file). */
    public int lineOf(String path) {
        return lines.getOrDefault(path, 0);
    }

    /** The path of a table's entry in the shard map; {@code table} lower-case, as the model stores it. */
    public static String tablePath(String database, String table) {
        return "databases." + database + ".tables." + table;
    }

    /** The path of a tenant's entry under {@code tenants:}. */
    public static String tenantPath(String id) {
        return "tenants." + id;
    }
}
