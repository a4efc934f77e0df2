package dev.pgsteer.config.yaml;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ShardFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The {@code ranges:} of one table with {@code function: range}: each range ends before its {@code to:},
 * only the first may have {@code from:}, only the last may be open-ended. A class of its own because
 * the bounds are read first and checked together, in the key's type, once all are known.
 */
final class RangeBinder {

    static final List<String> RANGE_KEYS = List.of("from", "to", "shard");

    private final NodeReader reader;
    private final ShardNames shardNames;
    private final Section table;
    private final Optional<KeyType> declared;
    private final String dbPath;
    private final List<String> shards;
    private final List<Node> boundNodes = new ArrayList<>();
    private final List<String> boundValues = new ArrayList<>();
    private final List<String> boundPaths = new ArrayList<>();

    RangeBinder(NodeReader reader, ShardNames shardNames, Section table, Optional<KeyType> declared, String dbPath,
            List<String> shards) {
        this.reader = reader;
        this.shardNames = shardNames;
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
            shard = shardNames.shardOf(shardNode.get(), range.get().pathOf("shard"), dbPath, shards);
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

    /**
     * The type a range's bounds are compared in when the file declares none: all integers, all dates, all
     * timestamps, else text. The catalog check at start compares them again in the column's real type.
     */
    private static KeyType inferType(List<String> values) {
        for (KeyType candidate : List.of(KeyType.INTEGER, KeyType.DATE, KeyType.TIMESTAMP)) {
            if (values.stream().allMatch(candidate::accepts)) {
                return candidate;
            }
        }
        return KeyType.TEXT;
    }
}
