package dev.pgsteer.config.yaml;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ShardFunction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The {@code function:} of a sharded table and what it takes: {@code hash} (for the key types whose
 * PostgreSQL hash pgsteer reproduces, with {@code buckets:} and {@code placement:} read by
 * {@link BucketBinder}), {@code range} with {@code ranges:} (read by {@link RangeBinder}),
 * {@code list} with {@code lists:}. Values are checked in the key's type when {@code type:} declares
 * it; otherwise the catalog check at start does it.
 */
final class ShardFunctionBinder {

    static final List<String> FUNCTIONS = List.of("hash", "range", "list", "directory");

    private final NodeReader reader;
    private final ShardNames shardNames;
    private final BucketBinder buckets;
    private final DirectoryBinder directories;

    ShardFunctionBinder(NodeReader reader, ShardNames shardNames) {
        this.reader = reader;
        this.shardNames = shardNames;
        this.buckets = new BucketBinder(reader, shardNames);
        this.directories = new DirectoryBinder(reader, shardNames, buckets);
    }

    DirectoryBinder directories() {
        return directories;
    }

    Optional<ShardFunction> function(String name, Section table, Optional<KeyType> type, String dbPath, List<String> shards) {
        Optional<String> function = reader.text(table, "function").map(f -> f.toLowerCase(Locale.ROOT));
        if (function.isEmpty()) {
            if (NodeReader.absent(table, "function")) {
                reader.problem(table.node(), table.path() + " has no function",
                        "add function: hash, or function: range with ranges:, or function: list with lists:, or function: directory");
            }
            return Optional.empty();
        }
        Node at = table.value("function").orElseThrow();
        if (!FUNCTIONS.contains(function.get())) {
            reader.problem(at, table.pathOf("function") + ": '" + function.get()
                            + "' is not a sharding function; valid ones are " + String.join(", ", FUNCTIONS),
                    Suggestions.didYouMean(function.get(), FUNCTIONS) + "use function: hash, range (with ranges:), list (with lists:) or directory");
            return Optional.empty();
        }
        // A directory reads buckets: and placement: itself (for unknown: hash).
        String bucketsFor = function.get().equals("directory") ? "directory" : "hash";
        boolean fits = notFor(table, "ranges", "range", function.get()) & notFor(table, "lists", "list", function.get())
                & notFor(table, "buckets", bucketsFor, function.get()) & notFor(table, "placement", bucketsFor, function.get())
                & notFor(table, "group", "directory", function.get()) & notFor(table, "unknown", "directory", function.get());
        Optional<ShardFunction> bound = switch (function.get()) {
            case "hash" -> hash(table, type, dbPath, shards);
            case "range" -> new RangeBinder(reader, shardNames, table, type, dbPath, shards).bind();
            case "directory" -> directories.directory(name, table, dbPath, shards);
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

    private Optional<ShardFunction> hash(Section table, Optional<KeyType> type, String dbPath, List<String> shards) {
        if (type.isPresent() && !type.get().hashable()) {
            reader.problem(table.value("type").orElseThrow(), table.path() + ": hash sharding does not support key type "
                            + type.get().configName(),
                    "use function: range or list for a " + type.get().configName() + " key, or hash a key of type "
                            + "integer, text or uuid");
            return Optional.empty();
        }
        return buckets.hash(table, dbPath, shards).map(ShardFunction.class::cast);
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
            Optional<String> shard = shardNames.shardOf(e.getValue().value(), lists.get().pathOf(value), dbPath, shards);
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
}
