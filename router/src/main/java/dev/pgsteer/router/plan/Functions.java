package dev.pgsteer.router.plan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a sharded database's catalog says a function call's name may be ({@code pg_proc}), for the
 * merge planner: learned at start and after DDL through pgsteer, like {@link Collations}.
 *
 * <ul>
 *   <li>the aggregates besides pg_catalog's ({@code CREATE AGGREGATE}, or an extension's), which the
 *       merge cannot combine from the shards' partial results: a SELECT over several shards that
 *       calls one is answered by the coordinator step, where PostgreSQL computes it;</li>
 *   <li>the names of the ordinary functions, every schema's: a call of a name that is neither is
 *       <b>unknown</b> (an aggregate created on the shards directly after pgsteer read the catalog
 *       may be it), so it is never merged as if it were a scalar function: that SELECT goes to the
 *       coordinator step too. Never a guess.</li>
 * </ul>
 *
 * Before the catalog is read ({@link #BUILTIN}): pg_catalog's ordinary functions of PostgreSQL 17
 * (a list shipped with pgsteer), no aggregate of the database's own, and every other name unknown.
 *
 * @param plain            name (as {@code pg_proc.proname} spells it) of an aggregate in any schema
 *                         other than pg_catalog, to whether that name is also an ordinary function (in
 *                         another overload, or another schema): a call without a schema may mean either
 * @param bySchema         schema to name to the same, for calls written with their schema
 * @param ordinary         names that have an ordinary (not aggregate) function in some schema
 * @param ordinaryBySchema schema to the names that have an ordinary function there
 */
public record Functions(Map<String, Kind> plain, Map<String, Map<String, Kind>> bySchema, Set<String> ordinary,
                        Map<String, Set<String>> ordinaryBySchema) {

    /** The catalog not read yet: pg_catalog's ordinary functions as PostgreSQL 17 has them, nothing else known. */
    public static final Functions BUILTIN = new Functions(Map.of(), Map.of(), BuiltinNames.NAMES,
            Map.of("pg_catalog", BuiltinNames.NAMES));

    public Functions {
        plain = Map.copyOf(plain);
        Map<String, Map<String, Kind>> copied = new HashMap<>();
        bySchema.forEach((schema, names) -> copied.put(schema, Map.copyOf(names)));
        bySchema = Map.copyOf(copied);
        ordinary = Set.copyOf(ordinary);
        Map<String, Set<String>> copiedOrdinary = new HashMap<>();
        ordinaryBySchema.forEach((schema, names) -> copiedOrdinary.put(schema, Set.copyOf(names)));
        ordinaryBySchema = Map.copyOf(copiedOrdinary);
    }

    /** What a name of {@code pg_proc} is, for a call that does not say which of its overloads it means. */
    public enum Kind {
        /** Every function of that name is an aggregate. */
        AGGREGATE,
        /** Some are aggregates, some ordinary functions: pgsteer cannot tell which a call resolves to, so it counts as an aggregate. */
        AGGREGATE_OR_FUNCTION
    }

    /** What a call is, as far as the merge is concerned. */
    public enum Call {
        /** It may be one of the database's own aggregates (or a name both aggregate and function): never merged. */
        OWN_AGGREGATE,
        /** Only ordinary functions (or procedures, window functions) have that name: a scalar call. */
        FUNCTION,
        /** No function the catalog showed has that name: it may have been created since, perhaps as an aggregate. */
        UNKNOWN
    }

    /**
     * A database whose catalog shows these aggregates ({@code aggregates}, outside pg_catalog) and
     * these ordinary functions ({@code functions}, every schema's).
     */
    public static Functions of(Iterable<Entry> aggregates, Iterable<Name> functions) {
        Map<String, Kind> plain = new HashMap<>();
        Map<String, Map<String, Kind>> bySchema = new HashMap<>();
        for (Entry e : aggregates) {
            bySchema.computeIfAbsent(e.schema(), s -> new HashMap<>()).merge(e.name(), e.inSchema(), Functions::either);
            plain.merge(e.name(), e.anywhere(), Functions::either);
        }
        Set<String> ordinary = new HashSet<>();
        Map<String, Set<String>> ordinaryBySchema = new HashMap<>();
        for (Name f : functions) {
            ordinary.add(f.name());
            ordinaryBySchema.computeIfAbsent(f.schema(), s -> new HashSet<>()).add(f.name());
        }
        return new Functions(plain, bySchema, ordinary, ordinaryBySchema);
    }

    /**
     * A database with these aggregates of its own, these ordinary functions and pg_catalog's as
     * {@link #BUILTIN} has them (tests of routing alone).
     */
    public static Functions builtinAnd(Iterable<Entry> aggregates, Iterable<Name> functions) {
        List<Name> names = new ArrayList<>();
        functions.forEach(names::add);
        BuiltinNames.NAMES.forEach(name -> names.add(new Name("pg_catalog", name)));
        return of(aggregates, names);
    }

    /**
     * One aggregate name of the catalog: {@code inSchema} says whether its schema has ordinary
     * functions of that name too, {@code anywhere} whether any schema has (pg_catalog included).
     */
    public record Entry(String schema, String name, Kind inSchema, Kind anywhere) {
    }

    /** An ordinary function's name, with its schema. */
    public record Name(String schema, String name) {
    }

    /**
     * The aggregate a call of {@code name} may mean: {@code schema} is the schema it was written with
     * (folded as PostgreSQL folds identifiers), or null for a call by its name alone, which may resolve
     * in any schema of the search path; null when no aggregate outside pg_catalog has that name.
     */
    public Kind of(String schema, String name) {
        if (schema == null) {
            return plain.get(name);
        }
        Map<String, Kind> names = bySchema.get(schema);
        return names == null ? null : names.get(name);
    }

    /**
     * What a call of {@code name} (with {@code schema}, or null) means, pg_catalog's aggregates
     * apart (the merge planner knows those by name): one of the database's own aggregates, an
     * ordinary function, or {@link Call#UNKNOWN}.
     */
    public Call call(String schema, String name) {
        if (of(schema, name) != null) {
            return Call.OWN_AGGREGATE;
        }
        Set<String> names = schema == null ? ordinary : ordinaryBySchema.get(schema);
        return names != null && names.contains(name) ? Call.FUNCTION : Call.UNKNOWN;
    }

    private static Kind either(Kind a, Kind b) {
        return a == b ? a : Kind.AGGREGATE_OR_FUNCTION;
    }

    /** pg_catalog's ordinary function names (PostgreSQL 17.6: {@code prokind <> 'a'}), read once. */
    private static final class BuiltinNames {
        static final Set<String> NAMES = read();

        private static Set<String> read() {
            try (InputStream in = Functions.class.getResourceAsStream("pg_catalog-functions.txt")) {
                if (in == null) {
                    throw new IllegalStateException("pg_catalog-functions.txt is missing from pgsteer's router");
                }
                Set<String> names = new HashSet<>();
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (!line.isBlank()) {
                        names.add(line.strip());
                    }
                }
                return Set.copyOf(names);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
