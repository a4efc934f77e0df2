package dev.pgsteer.config.yaml;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.ShardFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The buckets of a table with {@code function: hash}: {@code buckets:} (how many; default the number
 * of shards) and {@code placement:} (which shard holds which bucket; default bucket b on the shard at
 * position b mod the number of shards). A bucket in {@code placement:} is a number (that remainder of
 * {@code buckets:}) or {@code 'r of m'} (remainder r of modulus m, for mixed moduli). The map must
 * hold every hash exactly once ({@link BucketMap#check}); a map that does not is reported on the
 * line of the bucket at fault.
 *
 * <pre>
 * orders: { key: customer_id, function: hash, buckets: 12 }
 * items:
 *   key: customer_id
 *   function: hash
 *   buckets: 4
 *   placement: { s0: ['0 of 2'], s1: [1], s2: [3] }
 * </pre>
 */
final class BucketBinder {

    private static final Pattern OF = Pattern.compile("\\s*(\\d{1,9})\\s+of\\s+(\\d{1,9})\\s*");
    private static final String PLACEMENT_EXAMPLE = "placement: { s0: [0, 2], s1: [1, 3] }, or with mixed moduli "
            + "{ s0: ['0 of 2'], s1: ['1 of 4'], s2: ['3 of 4'] }";

    private final NodeReader reader;
    private final ShardNames shardNames;

    BucketBinder(NodeReader reader, ShardNames shardNames) {
        this.reader = reader;
        this.shardNames = shardNames;
    }

    /** The table's hash function with its buckets (null buckets for one per shard); empty when reported. */
    Optional<ShardFunction.Hash> hash(Section table, String dbPath, List<String> shards) {
        Optional<Integer> count = reader.integer(table, "buckets", 1);
        if (count.isEmpty() && !NodeReader.absent(table, "buckets")) {
            return Optional.empty();
        }
        if (count.isPresent() && count.get() > BucketMap.MAX_BUCKETS) {
            reader.problem(table.value("buckets").orElseThrow(), table.pathOf("buckets") + ": " + count.get()
                    + " is too many; at most " + BucketMap.MAX_BUCKETS, "use at most " + BucketMap.MAX_BUCKETS + " buckets");
            return Optional.empty();
        }
        Optional<Node> placementNode = table.value("placement").filter(n -> !NodeReader.isNull(n));
        BucketMap map;
        if (placementNode.isEmpty()) {
            map = BucketMap.even(count.orElse(shards.size()), shards);
        } else {
            Optional<BucketMap> placed = placement(table, placementNode.get(), count, dbPath, shards);
            if (placed.isEmpty()) {
                return Optional.empty();
            }
            map = placed.get();
        }
        // The default written out is the default: tables with it stay co-located with those without.
        return Optional.of(new ShardFunction.Hash(map.equals(BucketMap.even(shards.size(), shards)) ? null : map));
    }

    private Optional<BucketMap> placement(Section table, Node node, Optional<Integer> count, String dbPath,
            List<String> shards) {
        String path = table.pathOf("placement");
        Optional<Section> section = reader.section(node, path, PLACEMENT_EXAMPLE);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        record Written(String shard, Node node, Integer remainder, Integer modulus) {
        }
        List<Written> written = new ArrayList<>();
        boolean usable = true;
        for (Map.Entry<String, Section.Entry> e : section.get().entries().entrySet()) {
            Optional<String> shard = shardNames.shardOf(e.getValue().key(), section.get().pathOf(e.getKey()), dbPath, shards);
            usable &= shard.isPresent();
            Node value = e.getValue().value();
            List<Node> items = value instanceof SequenceNode list ? list.getValue() : List.of(value);
            for (int i = 0; i < items.size(); i++) {
                String itemPath = section.get().pathOf(e.getKey()) + (value instanceof SequenceNode ? "[" + i + "]" : "");
                Optional<String> text = reader.text(items.get(i), itemPath);
                if (text.isEmpty()) {
                    if (NodeReader.isNull(items.get(i))) {
                        reader.problem(items.get(i), itemPath + " names no bucket", "list the shard's buckets, like [0, 3]");
                    }
                    usable = false;
                    continue;
                }
                Matcher of = OF.matcher(text.get());
                if (of.matches()) {
                    written.add(new Written(shard.orElse(null), items.get(i), Integer.parseInt(of.group(1)),
                            Integer.parseInt(of.group(2))));
                } else if (text.get().strip().matches("\\d{1,9}")) {
                    written.add(new Written(shard.orElse(null), items.get(i), Integer.parseInt(text.get().strip()), null));
                } else {
                    reader.problem(items.get(i), itemPath + ": '" + text.get() + "' is not a bucket",
                            "write a bucket number (of buckets:), or 'r of m' for remainder r of modulus m");
                    usable = false;
                }
            }
        }
        if (!usable) {
            return Optional.empty();
        }
        if (written.isEmpty()) {
            reader.problem(node, path + " places no bucket", "list each shard's buckets: " + PLACEMENT_EXAMPLE);
            return Optional.empty();
        }
        int buckets;
        if (count.isPresent()) {
            buckets = count.get();
        } else {
            Optional<Written> bare = written.stream().filter(w -> w.modulus() == null).findFirst();
            if (bare.isPresent()) {
                reader.problem(bare.get().node(), path + " places bucket " + bare.get().remainder()
                                + ", but " + table.pathOf("buckets") + " does not say of how many",
                        "add buckets: N (the number of buckets), or write the bucket as '" + bare.get().remainder() + " of N'");
                return Optional.empty();
            }
            buckets = written.stream().mapToInt(Written::modulus).max().orElseThrow();
            if (buckets > BucketMap.MAX_BUCKETS) {
                Written largest = written.stream().filter(w -> w.modulus() == buckets).findFirst().orElseThrow();
                reader.problem(largest.node(), path + ": modulus " + buckets + " is too large; at most "
                        + BucketMap.MAX_BUCKETS, "use moduli of at most " + BucketMap.MAX_BUCKETS);
                return Optional.empty();
            }
        }
        List<BucketMap.Bucket> placement = written.stream()
                .map(w -> new BucketMap.Bucket(w.modulus() == null ? buckets : w.modulus(), w.remainder(), w.shard()))
                .toList();
        Optional<BucketMap.Invalid> invalid = BucketMap.check(buckets, placement);
        if (invalid.isPresent()) {
            Node at = invalid.get().index() >= 0 ? written.get(invalid.get().index()).node()
                    : table.value("buckets").orElse(node);
            reader.problem(at, path + ": " + invalid.get().why(), invalid.get().fix());
            return Optional.empty();
        }
        return Optional.of(new BucketMap(buckets, placement));
    }
}
