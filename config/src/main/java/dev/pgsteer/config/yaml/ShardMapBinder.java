package dev.pgsteer.config.yaml;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.SourceLines;
import dev.pgsteer.config.TableConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The shard map part of a database entry: {@code shards}, {@code default_shard} and {@code tables}.
 * Split from {@link ConfigBinder} because it is the larger half of the schema; it reports problems
 * through the same {@link NodeReader}, so they come out with the others, in file order. A table's
 * {@code function:} is read by {@link ShardFunctionBinder}, a shard named inside the entry is checked
 * by {@link ShardNames}.
 *
 * <pre>
 * shop:
 *   shards: [s0, s1, s2]
 *   default_shard: s0
 *   tables:
 *     orders:     { key: customer_id, function: hash }
 *     payments:   { key: customer_id, function: hash, buckets: 12 }
 *     events:     { key: created_at, function: range, ranges: [{to: '2025-01-01', shard: s0}, {shard: s1}] }
 *     regions:    { key: region, function: list, lists: {eu: s0, us: s1, apac: s2} }
 *     accounts:   { key: tenant_id, function: directory, group: tenants }
 *     currencies: { kind: reference }
 * </pre>
 */
final class ShardMapBinder {

    static final List<String> TABLE_KEYS = List.of("kind", "key", "function", "type", "ranges", "lists", "buckets",
            "placement", "group", "unknown");
    static final List<String> KINDS = List.of("sharded", "reference");

    private static final String TABLE_EXAMPLE = "{ key: customer_id, function: hash }, or { kind: reference }";
    private static final String TYPE_NAMES = "integer, text, uuid, date, timestamp, timestamptz";

    private final NodeReader reader;
    private final Set<String> backendNames;
    /** Where each table entry was written, for checks made after loading ({@link SourceLines}). */
    private final Map<String, Integer> lines;
    private final ShardNames shardNames;
    private final ShardFunctionBinder functions;

    ShardMapBinder(NodeReader reader, Set<String> backendNames, Map<String, Integer> lines) {
        this.reader = reader;
        this.backendNames = backendNames;
        this.lines = lines;
        this.shardNames = new ShardNames(reader, backendNames);
        this.functions = new ShardFunctionBinder(reader, shardNames);
    }

    /** {@code shards:}, one or more defined backends, each once; empty (reported) when unusable. */
    Optional<List<String>> shards(Section database) {
        String path = database.pathOf("shards");
        Optional<Node> node = database.value("shards");
        if (node.isEmpty()) {
            reader.problem(database.node(), path + " is missing", "name the backend that holds it: shards: [main]");
            return Optional.empty();
        }
        if (!(node.get() instanceof SequenceNode list)) {
            reader.problem(node.get(), path + " must be a list of backend names", "write shards: [main]");
            return Optional.empty();
        }
        if (list.getValue().isEmpty()) {
            reader.problem(list, path + " is empty", "list the backend that holds it, like shards: [main]");
            return Optional.empty();
        }
        List<String> shards = new ArrayList<>();
        boolean usable = true;
        for (int i = 0; i < list.getValue().size(); i++) {
            Node item = list.getValue().get(i);
            Optional<String> backend = reader.text(item, path + "[" + i + "]");
            if (backend.isEmpty()) {
                usable = false;
            } else if (!backendNames.contains(backend.get())) {
                String known = backendNames.isEmpty() ? "none are defined" : "defined: " + String.join(", ", backendNames);
                reader.problem(item, path + " names backend '" + backend.get() + "', which is not defined",
                        Suggestions.didYouMean(backend.get(), backendNames) + "use a backend from the backends section (" + known + ")");
                usable = false;
            } else if (shards.contains(backend.get())) {
                reader.problem(item, path + " lists backend '" + backend.get() + "' twice",
                        "list each backend once: a shard is one backend");
                usable = false;
            } else {
                shards.add(backend.get());
            }
        }
        return usable ? Optional.of(List.copyOf(shards)) : Optional.empty();
    }

    /** {@code default_shard:}, one of {@code shards}; the first shard when absent; empty (reported) when bad. */
    Optional<String> defaultShard(Section database, List<String> shards) {
        Optional<Node> node = database.value("default_shard");
        if (node.isEmpty() || NodeReader.isNull(node.get())) {
            return Optional.of(shards.getFirst());
        }
        return shardNames.shardOf(node.get(), database.pathOf("default_shard"), database.path(), shards);
    }

    /** {@code tables:}, keyed by lower-case table name; a bad entry is reported and left out. */
    Map<String, TableConfig> tables(Section database, List<String> shards) {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        Optional<Node> node = database.value("tables");
        if (node.isEmpty() || NodeReader.isNull(node.get())) {
            return tables;
        }
        Optional<Section> section = reader.section(node.get(), database.pathOf("tables"), "tables: { orders: "
                + TABLE_EXAMPLE.replace(", or ", ", currencies: ") + " }");
        if (section.isEmpty()) {
            return tables;
        }
        Map<String, Section.Entry> seen = new HashMap<>();
        Map<String, Node> tableNodes = new HashMap<>();
        section.get().entries().forEach((written, entry) -> {
            // Unquoted identifiers are case-insensitive in SQL: Orders and orders are one table.
            String name = written.toLowerCase(Locale.ROOT);
            Section.Entry earlier = seen.putIfAbsent(name, entry);
            if (earlier != null) {
                reader.problem(entry.key(), section.get().path() + " lists table '" + name + "' twice (as '"
                                + ((ScalarNode) earlier.key()).getValue() + "' on line "
                                + NodeReader.line(earlier.key()) + ")",
                        "table names are case-insensitive; keep one entry");
                return;
            }
            String path = section.get().pathOf(written);
            lines.put(section.get().pathOf(name), NodeReader.line(entry.key()));
            tableNodes.put(name, entry.key());
            reader.section(entry.value(), path, TABLE_EXAMPLE)
                    .flatMap(table -> table(name, table, database.path(), shards))
                    .ifPresent(table -> tables.put(name, table));
        });
        functions.directories().checkGroups(tables, tableNodes, section.get().path());
        return tables;
    }

    private Optional<TableConfig> table(String name, Section table, String dbPath, List<String> shards) {
        reader.allowOnly(table, TABLE_KEYS);
        Optional<String> kind = reader.text(table, "kind").map(k -> k.toLowerCase(Locale.ROOT));
        if (kind.isPresent() && !KINDS.contains(kind.get())) {
            reader.problem(table.value("kind").orElseThrow(), table.pathOf("kind") + ": '" + kind.get()
                            + "' is not a table kind; valid kinds are " + String.join(", ", KINDS),
                    Suggestions.didYouMean(kind.get(), KINDS) + "write kind: sharded (with key: and function:) or kind: reference "
                            + "(a full copy on every shard)");
            return Optional.empty();
        }
        if (kind.filter("reference"::equals).isPresent()) {
            return reference(name, table);
        }
        Optional<String> key = reader.text(table, "key").map(k -> k.toLowerCase(Locale.ROOT));
        if (key.isEmpty() && NodeReader.absent(table, "key")) {
            reader.problem(table.node(), table.path() + " has no key", kind.isPresent()
                    ? "name its shard key column, like key: customer_id"
                    : "name its shard key column, like { key: customer_id, function: hash }, or write kind: reference "
                            + "for a table copied to every shard");
        }
        Optional<KeyType> type = reader.parsed(table, "type", ShardMapBinder::keyType,
                "use one of " + TYPE_NAMES + " (or a PostgreSQL name like bigint, int4, varchar), or leave type: out "
                        + "to learn it from the backends' catalogs");
        Optional<ShardFunction> function = functions.function(name, table, type, dbPath, shards);
        // Whatever is left out here was reported, and a reported problem fails the whole load.
        if (key.isEmpty() || function.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TableConfig.Sharded(name, key.get(), function.get(), type.orElse(null)));
    }

    private Optional<TableConfig> reference(String name, Section table) {
        boolean clean = true;
        for (String key : TABLE_KEYS.subList(1, TABLE_KEYS.size())) {
            Optional<Section.Entry> entry = Optional.ofNullable(table.entries().get(key));
            if (entry.isPresent()) {
                reader.problem(entry.get().key(), table.path() + " is a reference table, so '" + key + "' does not apply",
                        "remove " + key + ":, or make it a sharded table (remove kind: reference)");
                clean = false;
            }
        }
        return clean ? Optional.of(new TableConfig.Reference(name)) : Optional.empty();
    }


    private static KeyType keyType(String name) {
        return KeyType.parse(name).orElseThrow(() ->
                new IllegalArgumentException("'" + name + "' is not a key type routing supports"));
    }
}
