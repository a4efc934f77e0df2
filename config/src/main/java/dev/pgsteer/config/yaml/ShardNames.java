package dev.pgsteer.config.yaml;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A shard named inside a database entry ({@code default_shard}, a range's or a list value's
 * {@code shard}), checked against the database's {@code shards:}; a backend that exists but is not
 * one of them gets a fix of its own.
 */
final class ShardNames {

    private final NodeReader reader;
    private final Set<String> backendNames;

    ShardNames(NodeReader reader, Set<String> backendNames) {
        this.reader = reader;
        this.backendNames = backendNames;
    }

    /** A shard named in default_shard, a range or a list: it must be one of the database's shards. */
    Optional<String> shardOf(Node node, String path, String dbPath, List<String> shards) {
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
                        Suggestions.didYouMean(shard, shards) + "use one of " + ofDb);
            }
            return false;
        });
    }
}
