package dev.pgsteer.config.yaml;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.SourceLines;
import dev.pgsteer.config.TableConfig;
import java.util.ArrayList;
import java.util.Collection;
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
 * through the same {@link NodeReader}, so they come out with the others, in file order.
 *
 * <pre>
 * shop:
 *   shards: [s0, s1, s2]
 *   default_shard: s0
 *   tables:
 *     orders:     { key: customer_id, function: hash }
 *     events:     { key: created_at, function: range, ranges: [{to: '2025-01-01', shard: s0}, {shard: s1}] }
 *     regions:    { key: region, function: list, lists: {eu: s0, us: s1, apac: s2} }
 *     currencies: { kind: reference }
 * </pre>
 */
final class ShardMapBinder {

    static final List<String> TABLE_KEYS = List.of("kind", "key", "function", "type", "ranges", "lists");
    static final List<String> RANGE_KEYS = List.of("from", "to", "shard");
    static final List<String> KINDS = List.of("sharded", "reference");
    static final List<String> FUNCTIONS = List.of("hash", "range", "list");

    private static final String TABLE_EXAMPLE = "{ key: customer_id, function: hash }, or { kind: reference }";
    private static final String TYPE_NAMES = "integer, text, uuid, date, timestamp, timestamptz";

    private final NodeReader reader;
    private final Set<String> backendNames;
    /** Where each table entry was written, for checks made after loading ({@link SourceLines}). */
    private final Map<String, Integer> lines;

    ShardMapBinder(NodeReader reader, Set<String> backendNames, Map<String, Integer> lines) {
        this.reader = reader;
        this.backendNames = backendNames;
        this.lines = lines;
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
                        didYouMean(backend.get(), backendNames) + "use a backend from the backends section (" + known + ")");
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
        return shardOf(node.get(), database.pathOf("default_shard"), database.path(), shards);
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
            reader.section(entry.value(), path, TABLE_EXAMPLE)
                    .flatMap(table -> table(name, table, database.path(), shards))
                    .ifPresent(table -> tables.put(name, table));
        });
        return tables;
    }

    private Optional<TableConfig> table(String name, Section table, String dbPath, List<String> shards) {
        reader.allowOnly(table, TABLE_KEYS);
        Optional<String> kind = reader.text(table, "kind").map(k -> k.toLowerCase(Locale.ROOT));
        if (kind.isPresent() && !KINDS.contains(kind.get())) {
            reader.problem(table.value("kind").orElseThrow(), table.pathOf("kind") + ": '" + kind.get()
                            + "' is not a table kind; valid kinds are " + String.join(", ", KINDS),
                    didYouMean(kind.get(), KINDS) + "write kind: sharded (with key: and function:) or kind: reference "
                            + "(a full copy on every shard)");
            return Optional.empty();
        }
        if (kind.filter("reference"::equals).isPresent()) {
            return reference(name, table);
        }
        Optional<String> key = reader.text(table, "key").map(k -> k.toLowerCase(Locale.ROOT));
        if (key.isEmpty() && absent(table, "key")) {
            reader.problem(table.node(), table.path() + " has no key", kind.isPresent()
                    ? "name its shard key column, like key: customer_id"
                    : "name its shard key column, like { key: customer_id, function: hash }, or write kind: reference "
                            + "for a table copied to every shard");
        }
        Optional<KeyType> type = reader.parsed(table, "type", ShardMapBinder::keyType,
                "use one of " + TYPE_NAMES + " (or a PostgreSQL name like bigint, int4, varchar), or leave type: out "
                        + "to learn it from the backends' catalogs");
        Optional<ShardFunction> function = function(table, type, dbPath, shards);
        // Whatever is left out here was reported, and a reported problem fails the whole load.
        if (key.isEmpty() || function.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TableConfig.Sharded(name, key.get(), function.get(), type.orElse(null)));
    }

    private Optional<TableConfig> reference(String name, Section table) {
        boolean clean = true;
        for (String key : List.of("key", "function", "type", "ranges", "lists")) {
            Optional<Section.Entry> entry = Optional.ofNullable(table.entries().get(key));
            if (entry.isPresent()) {
                reader.problem(entry.get().key(), table.path() + " is a reference table, so '" + key + "' does not apply",
                        "remove " + key + ":, or make it a sharded table (remove kind: reference)");
                clean = false;
            }
        }
        return clean ? Optional.of(new TableConfig.Reference(name)) : Optional.empty();
    }

    private Optional<ShardFunction> function(Section table, Optional<KeyType> type, String dbPath, List<String> shards) {
        Optional<String> function = reader.text(table, "function").map(f -> f.toLowerCase(Locale.ROOT));
        if (function.isEmpty()) {
            if (absent(table, "function")) {
                reader.problem(table.node(), table.path() + " has no function",
                        "add function: hash, or function: range with ranges:, or function: list with lists:");
            }
            return Optional.empty();
        }
        Node at = table.value("function").orElseThrow();
        if (!FUNCTIONS.contains(function.get())) {
            reader.problem(at, table.pathOf("function") + ": '" + function.get()
                            + "' is not a sharding function; valid ones are " + String.join(", ", FUNCTIONS),
                    didYouMean(function.get(), FUNCTIONS) + "use function: hash, range (with ranges:) or list (with lists:)");
            return Optional.empty();
        }
        boolean fits = notFor(table, "ranges", "range", function.get()) & notFor(table, "lists", "list", function.get());
        Optional<ShardFunction> bound = switch (function.get()) {
            case "hash" -> hash(table, type);
            case "range" -> new RangeBinder(table, type, dbPath, shards).bind();
            default -> list(table, type, dbPath, shards);
        };
        return bound.filter(f -> fits);
    }

    /** ranges: and lists: belong to their own function; given to another they would be silently ignored. */
    private boolean notFor(Section table, String key, String itsFunction, String function) {
        if (!table.has(key) || itsFunction.equals(function)) {
            return true;
        }
        reader.problem(table.entries().get(key).key(), table.pathOf(key) + " does not apply to function " + function,
                "remove " + key + ":, or use function: " + itsFunction);
        return false;
    }

    private Optional<ShardFunction> hash(Section table, Optional<KeyType> type) {
        if (type.isPresent() && !type.get().hashable()) {
            reader.problem(table.value("type").orElseThrow(), table.path() + ": hash sharding does not support key type "
                            + type.get().configName(),
                    "use function: range or list for a " + type.get().configName() + " key, or hash a key of type "
                            + "integer, text or uuid");
            return Optional.empty();
        }
        return Optional.of(new ShardFunction.Hash());
    }

    private Optional<ShardFunction> list(Section table, Optional<KeyType> type, String dbPath, List<String> shards) {
        String path = table.pathOf("lists");
        Optional<Node> node = table.value("lists");
        if (node.isEmpty()) {
            reader.problem(table.node(), table.path() + " uses function list but has no lists",
                    "add lists: {VALUE: SHARD, ...}, like lists: {eu: s0, us: s1}");
            return Optional.empty();
        }
        Optional<Section> lists = reader.section(node.get(), path, "lists: {eu: s0, us: s1}");
        if (lists.isEmpty()) {
            return Optional.empty();
        }
        if (lists.get().entries().isEmpty()) {
            reader.problem(node.get(), path + " is empty", "add the values, each with its shard: lists: {eu: s0, us: s1}");
            return Optional.empty();
        }
        Map<String, String> shardOfValue = new LinkedHashMap<>();
        Map<String, Node> valueNodes = new LinkedHashMap<>();
        boolean usable = true;
        for (Map.Entry<String, Section.Entry> e : lists.get().entries().entrySet()) {
            String value = e.getKey();
            Node at = e.getValue().key();
            Optional<String> shard = shardOf(e.getValue().value(), lists.get().pathOf(value), dbPath, shards);
            usable &= shard.isPresent();
            if (type.isPresent()) {
                Optional<String> wrong = type.get().whyNot(value);
                if (wrong.isPresent()) {
                    reader.problem(at, path + ": " + wrong.get(), "write values of the key's type "
                            + type.get().configName() + ", like " + type.get().example() + ", or change type:");
                    usable = false;
                    continue;
                }
                // 1 and 01 are one integer: two entries for it would make the map depend on their order.
                Optional<Map.Entry<String, Node>> same = valueNodes.entrySet().stream()
                        .filter(v -> type.get().compare(v.getKey(), value) == 0).findFirst();
                if (same.isPresent()) {
                    reader.problem(at, path + ": '" + value + "' is the same " + type.get().configName() + " as '"
                                    + same.get().getKey() + "' (line " + NodeReader.line(same.get().getValue()) + ")",
                            "keep one of them");
                    usable = false;
                    continue;
                }
            }
            valueNodes.put(value, at);
            shard.ifPresent(s -> shardOfValue.put(value, s));
        }
        return usable ? Optional.of(new ShardFunction.ListOf(shardOfValue)) : Optional.empty();
    }

    /** The ranges of one table; a small class because the bounds are read first and checked together. */
    private final class RangeBinder {
        private final Section table;
        private final Optional<KeyType> declared;
        private final String dbPath;
        private final List<String> shards;
        private final List<Node> boundNodes = new ArrayList<>();
        private final List<String> boundValues = new ArrayList<>();
        private final List<String> boundPaths = new ArrayList<>();

        RangeBinder(Section table, Optional<KeyType> declared, String dbPath, List<String> shards) {
            this.table = table;
            this.declared = declared;
            this.dbPath = dbPath;
            this.shards = shards;
        }

        Optional<ShardFunction> bind() {
            String path = table.pathOf("ranges");
            Optional<Node> node = table.value("ranges");
            if (node.isEmpty()) {
                reader.problem(table.node(), table.path() + " uses function range but has no ranges",
                        "add ranges: [{to: VALUE, shard: s0}, {shard: s1}] (each range ends before its to:, the last may have none)");
                return Optional.empty();
            }
            if (!(node.get() instanceof SequenceNode list) || list.getValue().isEmpty()) {
                reader.problem(node.get(), path + (NodeReader.isNull(node.get()) || node.get() instanceof SequenceNode
                                ? " is empty" : " must be a list of ranges"),
                        "write ranges: [{to: VALUE, shard: s0}, {shard: s1}]");
                return Optional.empty();
            }
            List<ShardFunction.RangeBound> ranges = new ArrayList<>();
            boolean usable = true;
            int last = list.getValue().size() - 1;
            for (int i = 0; i <= last; i++) {
                Optional<ShardFunction.RangeBound> range = range(list.getValue().get(i), path + "[" + i + "]", i, last);
                usable &= range.isPresent();
                range.ifPresent(ranges::add);
            }
            if (!usable || !boundsInOrder()) {
                return Optional.empty();
            }
            return Optional.of(new ShardFunction.Range(ranges));
        }

        private Optional<ShardFunction.RangeBound> range(Node node, String path, int i, int last) {
            Optional<Section> range = reader.section(node, path, "{to: VALUE, shard: s0}");
            if (range.isEmpty()) {
                return Optional.empty();
            }
            reader.allowOnly(range.get(), RANGE_KEYS);
            boolean usable = true;
            Optional<String> from = reader.text(range.get(), "from");
            if (from.isPresent() && i > 0) {
                reader.problem(range.get().entries().get("from").key(), path + " has from:, which only the first range may have",
                        "remove it: each range starts where the previous one's to: ends");
                usable = false;
            }
            Optional<String> to = reader.text(range.get(), "to");
            if (to.isEmpty() && i < last) {
                reader.problem(node, path + " has no to:, but only the last range may be open-ended",
                        "add to: VALUE (where this range ends, exclusive), or move this range to the end of the list");
                usable = false;
            }
            Optional<String> shard = Optional.empty();
            Optional<Node> shardNode = range.get().value("shard");
            if (shardNode.isEmpty() || NodeReader.isNull(shardNode.get())) {
                reader.problem(node, path + " has no shard", "add shard: NAME, one of " + String.join(", ", shards));
                usable = false;
            } else {
                shard = shardOf(shardNode.get(), range.get().pathOf("shard"), dbPath, shards);
                usable &= shard.isPresent();
            }
            if (from.isPresent() && i == 0) {
                bound(range.get(), "from", from.get());
            }
            to.ifPresent(t -> bound(range.get(), "to", t));
            return usable ? Optional.of(new ShardFunction.RangeBound(from.orElse(null), to.orElse(null), shard.get()))
                    : Optional.empty();
        }

        private void bound(Section range, String key, String value) {
            boundNodes.add(range.value(key).orElseThrow());
            boundValues.add(value);
            boundPaths.add(range.pathOf(key));
        }

        /** Each bound a value of the key's type (declared, else inferred from the bounds) and above the one before. */
        private boolean boundsInOrder() {
            KeyType type = declared.orElseGet(() -> inferType(boundValues));
            boolean ordered = true;
            for (int i = 0; i < boundValues.size(); i++) {
                Optional<String> wrong = type.whyNot(boundValues.get(i));
                if (wrong.isPresent()) {
                    reader.problem(boundNodes.get(i), boundPaths.get(i) + ": " + wrong.get(), "write bounds of the key's type "
                            + type.configName() + ", like " + type.example() + ", or change type:");
                    return false;
                }
            }
            for (int i = 1; i < boundValues.size(); i++) {
                if (type.compare(boundValues.get(i - 1), boundValues.get(i)) >= 0) {
                    reader.problem(boundNodes.get(i), boundPaths.get(i) + " ('" + boundValues.get(i)
                                    + "') is not above the bound before it ('" + boundValues.get(i - 1) + "', line "
                                    + NodeReader.line(boundNodes.get(i - 1)) + ") as " + type.configName() + " values",
                            "list the ranges in increasing order, each to: above the one before, so that they do not overlap");
                    ordered = false;
                }
            }
            return ordered;
        }
    }

    /** A shard named in default_shard, a range or a list: it must be one of the database's shards. */
    private Optional<String> shardOf(Node node, String path, String dbPath, List<String> shards) {
        if (NodeReader.isNull(node)) {
            reader.problem(node, path + " names no shard", "name one of " + String.join(", ", shards));
            return Optional.empty();
        }
        return reader.text(node, path).filter(shard -> {
            if (shards.contains(shard)) {
                return true;
            }
            String ofDb = dbPath + ".shards (" + String.join(", ", shards) + ")";
            if (backendNames.contains(shard)) {
                reader.problem(node, path + " names shard '" + shard + "', which is not one of " + ofDb,
                        "add '" + shard + "' to " + dbPath + ".shards, or use one of " + String.join(", ", shards));
            } else {
                reader.problem(node, path + " names shard '" + shard + "', which is not defined",
                        didYouMean(shard, shards) + "use one of " + ofDb);
            }
            return false;
        });
    }

    /** Not given, or given as nothing ({@code key:} or {@code key: ""}); other unusable values were reported by text(). */
    private static boolean absent(Section section, String key) {
        return section.value(key).filter(node -> !NodeReader.isNull(node)).isEmpty();
    }

    /**
     * The type a range's bounds are compared in when the file declares none: all integers, all dates, all
     * timestamps, else text. The catalog check at start compares them again in the column's real type.
     */
    static KeyType inferType(List<String> values) {
        for (KeyType candidate : List.of(KeyType.INTEGER, KeyType.DATE, KeyType.TIMESTAMP)) {
            if (values.stream().allMatch(candidate::accepts)) {
                return candidate;
            }
        }
        return KeyType.TEXT;
    }

    private static KeyType keyType(String name) {
        return KeyType.parse(name).orElseThrow(() ->
                new IllegalArgumentException("'" + name + "' is not a key type routing supports"));
    }

    private static String didYouMean(String typed, Collection<String> candidates) {
        return Suggestions.closest(typed, candidates).map(s -> "did you mean '" + s + "'? ").orElse("");
    }
}
