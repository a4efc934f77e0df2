package dev.pgsteer.config.yaml;

import dev.pgsteer.config.DirectoryDefault;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A table with {@code function: directory}: {@code group:} (the directory it shares with the other
 * tables of the group, which are co-located; default the table's name) and {@code unknown:} (where a
 * key the directory does not hold goes: {@code refuse}, the default, {@code hash} with the table's
 * {@code buckets:} and {@code placement:}, or {@code { shard: NAME }}). The tables of one group must
 * agree on {@code unknown:}, checked by {@link #checkGroups} once every table is read.
 *
 * <pre>
 * accounts: { key: tenant_id, function: directory, group: tenants }
 * invoices: { key: tenant_id, function: directory, group: tenants }
 * events:   { key: device, function: directory, unknown: { shard: s0 } }
 * </pre>
 */
final class DirectoryBinder {

    static final List<String> DEFAULTS = List.of("refuse", "hash", "{ shard: NAME }");
    /** A group is a name in the metadata store and in admin commands: a plain word, as tenant ids are. */
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_.-]{1,63}");

    private final NodeReader reader;
    private final ShardNames shardNames;
    private final BucketBinder buckets;

    DirectoryBinder(NodeReader reader, ShardNames shardNames, BucketBinder buckets) {
        this.reader = reader;
        this.shardNames = shardNames;
        this.buckets = buckets;
    }

    Optional<ShardFunction> directory(String tableName, Section table, String dbPath, List<String> shards) {
        Optional<String> group = reader.text(table, "group").map(g -> g.toLowerCase(Locale.ROOT));
        if (group.isPresent() && !GROUP.matcher(group.get()).matches()) {
            reader.problem(table.value("group").orElseThrow(), table.pathOf("group") + ": '" + group.get()
                    + "' is not a group name", "use up to 63 letters, digits, _, . or -, like group: tenants");
            return Optional.empty();
        }
        if (group.isEmpty() && !NodeReader.absent(table, "group")) {
            return Optional.empty();
        }
        Optional<DirectoryDefault> unknown = unknown(table, dbPath, shards);
        return unknown.map(u -> new ShardFunction.Directory(group.orElse(tableName), u));
    }

    private Optional<DirectoryDefault> unknown(Section table, String dbPath, List<String> shards) {
        Optional<Node> node = table.value("unknown").filter(n -> !NodeReader.isNull(n));
        String path = table.pathOf("unknown");
        boolean hashed = node.isPresent() && !(node.get() instanceof MappingNode)
                && reader.text(node.get(), path).map(t -> t.strip().equalsIgnoreCase("hash")).orElse(false);
        boolean clean = true;
        for (String key : List.of("buckets", "placement")) {
            if (table.has(key) && !hashed) {
                reader.problem(table.entries().get(key).key(), table.pathOf(key) + " applies to function directory only "
                        + "with unknown: hash (unknown keys hashed over these buckets)", "remove " + key
                        + ":, or write unknown: hash");
                clean = false;
            }
        }
        if (node.isEmpty()) {
            return clean ? Optional.of(new DirectoryDefault.Refuse()) : Optional.empty();
        }
        if (node.get() instanceof MappingNode) {
            Optional<Section> section = reader.section(node.get(), path, "unknown: { shard: s0 }");
            if (section.isEmpty()) {
                return Optional.empty();
            }
            reader.allowOnly(section.get(), List.of("shard"));
            Optional<Node> shardNode = section.get().value("shard");
            if (shardNode.isEmpty()) {
                reader.problem(node.get(), path + " names no shard", "write unknown: { shard: NAME } with one of "
                        + String.join(", ", shards));
                return Optional.empty();
            }
            Optional<String> shard = shardNames.shardOf(shardNode.get(), section.get().pathOf("shard"), dbPath, shards);
            return clean ? shard.map(DirectoryDefault.OnShard::new) : Optional.empty();
        }
        Optional<String> text = reader.text(node.get(), path).map(t -> t.strip().toLowerCase(Locale.ROOT));
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return switch (text.get()) {
            case "refuse" -> clean ? Optional.of(new DirectoryDefault.Refuse()) : Optional.empty();
            case "hash" -> buckets.hash(table, dbPath, shards).map(h -> new DirectoryDefault.Hashed(h.buckets()));
            default -> {
                String fix = shards.contains(text.get()) ? "write unknown: { shard: " + text.get() + " } to send unknown keys there"
                        : Suggestions.didYouMean(text.get(), List.of("refuse", "hash"))
                        + "write unknown: refuse, unknown: hash or unknown: { shard: NAME }";
                reader.problem(node.get(), path + ": '" + text.get() + "' is not a default for unknown keys; valid ones are "
                        + String.join(", ", DEFAULTS), fix);
                yield Optional.empty();
            }
        };
    }

    /**
     * The tables of one group share one directory and are co-located, so they must place unknown keys
     * alike; a table that disagrees with the group's first is reported on its own line.
     */
    void checkGroups(Map<String, TableConfig> tables, Map<String, Node> tableNodes, String tablesPath) {
        Map<String, TableConfig.Sharded> first = new HashMap<>();
        for (TableConfig table : tables.values()) {
            if (table instanceof TableConfig.Sharded sharded && sharded.function() instanceof ShardFunction.Directory d) {
                TableConfig.Sharded earlier = first.putIfAbsent(d.group(), sharded);
                if (earlier != null && !earlier.function().equals(d)) {
                    ShardFunction.Directory theirs = (ShardFunction.Directory) earlier.function();
                    reader.problem(tableNodes.get(table.name()), tablesPath + "." + table.name() + " is in directory group "
                                    + d.group() + " with " + earlier.name() + ", but places unknown keys by "
                                    + d.unknown().describe() + " where " + earlier.name() + " uses " + theirs.unknown().describe(),
                            "give the tables of group " + d.group() + " the same unknown: (and buckets:), or another group:");
                }
            }
        }
    }
}
