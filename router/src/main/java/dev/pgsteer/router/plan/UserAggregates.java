package dev.pgsteer.router.plan;

import java.util.HashMap;
import java.util.Map;

/**
 * The aggregate functions a sharded database has besides pg_catalog's ({@code CREATE AGGREGATE}, or
 * an extension's), as the default shard's catalog says ({@code pg_proc.prokind = 'a'}): learned at
 * start and after DDL through pgsteer, like {@link Collations}. The merge planner takes a call of
 * such a name for an aggregate, which it cannot combine from the shards' partial results, so a
 * SELECT over several shards that calls one is answered by the coordinator step, where PostgreSQL
 * computes it. Unknown until read: then no name is, as before pgsteer read it.
 *
 * @param plain     name (as {@code pg_proc.proname} spells it) of an aggregate in any schema other
 *                  than pg_catalog, to whether that name is also an ordinary function (in another
 *                  overload, or another schema): a call without a schema may mean either
 * @param bySchema  schema to name to the same, for calls written with their schema
 */
public record UserAggregates(Map<String, Kind> plain, Map<String, Map<String, Kind>> bySchema) {

    /** No aggregate besides pg_catalog's (or the catalog not read yet). */
    public static final UserAggregates NONE = new UserAggregates(Map.of(), Map.of());

    public UserAggregates {
        plain = Map.copyOf(plain);
        Map<String, Map<String, Kind>> copied = new HashMap<>();
        bySchema.forEach((schema, names) -> copied.put(schema, Map.copyOf(names)));
        bySchema = Map.copyOf(copied);
    }

    /** What a name of {@code pg_proc} is, for a call that does not say which of its overloads it means. */
    public enum Kind {
        /** Every function of that name is an aggregate. */
        AGGREGATE,
        /** Some are aggregates, some ordinary functions: pgsteer cannot tell which a call resolves to, so it counts as an aggregate. */
        AGGREGATE_OR_FUNCTION
    }

    /** A database whose catalog shows these aggregates. */
    public static UserAggregates of(Iterable<Entry> entries) {
        Map<String, Kind> plain = new HashMap<>();
        Map<String, Map<String, Kind>> bySchema = new HashMap<>();
        for (Entry e : entries) {
            bySchema.computeIfAbsent(e.schema(), s -> new HashMap<>()).merge(e.name(), e.inSchema(), UserAggregates::either);
            plain.merge(e.name(), e.anywhere(), UserAggregates::either);
        }
        return new UserAggregates(plain, bySchema);
    }

    /**
     * One aggregate name of the catalog: {@code inSchema} says whether its schema has ordinary
     * functions of that name too, {@code anywhere} whether any schema has (pg_catalog included).
     */
    public record Entry(String schema, String name, Kind inSchema, Kind anywhere) {
    }

    /**
     * What a call of {@code name} means: {@code schema} is the schema it was written with (folded as
     * PostgreSQL folds identifiers), or null for a call by its name alone, which may resolve in any
     * schema of the search path; null when no aggregate outside pg_catalog has that name.
     */
    public Kind of(String schema, String name) {
        if (schema == null) {
            return plain.get(name);
        }
        Map<String, Kind> names = bySchema.get(schema);
        return names == null ? null : names.get(name);
    }

    private static Kind either(Kind a, Kind b) {
        return a == b ? a : Kind.AGGREGATE_OR_FUNCTION;
    }
}
