package dev.pgsteer.config.yaml;

import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A YAML mapping found at a dotted path ({@code databases.demo.pool}), keyed by name. The key nodes
 * are kept beside the values so that a problem with a key can name the key's own line.
 */
record Section(String path, Node node, Map<String, Entry> entries) {

    record Entry(Node key, Node value) {
    }

    Optional<Node> value(String key) {
        return Optional.ofNullable(entries.get(key)).map(Entry::value);
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
