package dev.pgsteer.config.yaml;

import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads values out of SnakeYAML's node tree and records a {@link ConfigProblem} for each bad one
 * instead of throwing, so that one load reports everything wrong with the file. Every scalar goes
 * through {@code ${ENV}} interpolation here, so no caller can forget it.
 */
final class NodeReader {

    private final String source;
    private final EnvInterpolator env;
    private final List<ConfigProblem> problems = new ArrayList<>();

    NodeReader(String source, EnvInterpolator env) {
        this.source = source;
        this.env = env;
    }

    String source() {
        return source;
    }

    /** SnakeYAML counts lines from 0; people and editors count from 1. */
    static int line(Node node) {
        return node == null || node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode s && (Tag.NULL.equals(s.getTag()) || s.getValue().isEmpty());
    }

    /** Not given, or given as nothing ({@code key:} or {@code key: ""}); other unusable values were reported by text(). */
    static boolean absent(Section section, String key) {
        return section.value(key).filter(node -> !NodeReader.isNull(node)).isEmpty();
    }

    void problem(Node at, String what, String fix) {
        problem(line(at), what, fix);
    }

    /** A problem at a line known by number (a table entry, whose line the shard map's binder kept). */
    void problem(int line, String what, String fix) {
        problems.add(new ConfigProblem(source, line, what, fix));
    }

    void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** The mapping at {@code path}; empty (with a problem recorded) when the node is something else. */
    Optional<Section> section(Node node, String path, String example) {
        if (!(node instanceof MappingNode mapping)) {
            String shown = path.isEmpty() ? "the top level of the file" : path;
            problem(node, shown + (isNull(node) ? " is empty" : " must be a mapping of keys to values"),
                    "write it like " + example);
            return Optional.empty();
        }
        Map<String, Section.Entry> entries = new LinkedHashMap<>();
        List<NodeTuple> merged = new ArrayList<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (Tag.MERGE.equals(tuple.getKeyNode().getTag())) {
                mergedTuples(tuple.getValueNode(), merged);
                continue;
            }
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                problem(tuple.getKeyNode(), "a key in " + path + " is not a plain name", "use a name as the key");
                continue;
            }
            Section.Entry earlier = entries.putIfAbsent(key.getValue(), new Section.Entry(key, tuple.getValueNode()));
            if (earlier != null) {
                problem(key, "'" + key.getValue() + "' is given twice in " + (path.isEmpty() ? "the file" : path),
                        "keep one of them (the other is on line " + line(earlier.key()) + ")");
            }
        }
        // YAML merge keys (<<: *defaults) fill in what the mapping does not set itself.
        for (NodeTuple tuple : merged) {
            if (tuple.getKeyNode() instanceof ScalarNode key) {
                entries.putIfAbsent(key.getValue(), new Section.Entry(key, tuple.getValueNode()));
            }
        }
        return Optional.of(new Section(path, node, entries));
    }

    private void mergedTuples(Node value, List<NodeTuple> into) {
        if (value instanceof MappingNode m) {
            into.addAll(m.getValue());
        } else if (value instanceof SequenceNode s) {
            s.getValue().forEach(item -> mergedTuples(item, into));
        } else {
            problem(value, "a merge key (<<) must refer to a mapping", "write <<: *anchor_of_a_mapping");
        }
    }

    /** Records every key of {@code section} that is not in {@code allowed}, with a "did you mean" when close. */
    void allowOnly(Section section, Collection<String> allowed) {
        allowOnly(section, allowed, key -> Optional.empty());
    }

    /** As above; {@code elsewhere} gives the fix for a key that is valid, but in another section. */
    void allowOnly(Section section, Collection<String> allowed, Function<String, Optional<String>> elsewhere) {
        section.entries().forEach((name, entry) -> {
            if (allowed.contains(name)) {
                return;
            }
            String where = section.path().isEmpty() ? "at the top level" : "in " + section.path();
            Optional<String> moved = elsewhere.apply(name);
            if (moved.isPresent()) {
                problem(entry.key(), "'" + name + "' does not belong " + where, moved.get());
                return;
            }
            String valid = "valid keys " + where + " are " + String.join(", ", allowed);
            problem(entry.key(), "unknown key '" + name + "' " + where,
                    Suggestions.closest(name, allowed).map(s -> "did you mean '" + s + "'? " + valid)
                            .orElse("remove it; " + valid));
        });
    }

    /** The interpolated text at {@code key}; empty when absent, null, blank or unusable. */
    Optional<String> text(Section section, String key) {
        return section.value(key).flatMap(node -> text(node, section.pathOf(key)));
    }

    Optional<String> text(Node node, String path) {
        if (isNull(node)) {
            return Optional.empty();
        }
        if (!(node instanceof ScalarNode scalar)) {
            problem(node, path + " must be a single value, not a list or a mapping", "write it as key: value");
            return Optional.empty();
        }
        try {
            String value = env.apply(scalar.getValue());
            return value.isBlank() ? Optional.empty() : Optional.of(value);
        } catch (EnvInterpolator.UnsetVariableException e) {
            problem(node, path + " refers to ${" + e.variable() + "}, but " + e.getMessage(),
                    "set " + e.variable() + " in pgsteer's environment, or give a default: ${" + e.variable()
                            + ":-value}");
        } catch (IllegalArgumentException e) {
            problem(node, path + ": " + e.getMessage(), "write ${NAME} or ${NAME:-default}; write $${ for a literal ${");
        }
        return Optional.empty();
    }

    /** The value at {@code key} run through {@code parser}, whose IllegalArgumentException becomes a problem. */
    <T> Optional<T> parsed(Section section, String key, Function<String, T> parser, String fix) {
        Optional<String> text = text(section, key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.apply(text.get()));
        } catch (IllegalArgumentException e) {
            problem(section.value(key).orElseThrow(), section.pathOf(key) + ": " + e.getMessage(), fix);
            return Optional.empty();
        }
    }

    /** A whole number of at least {@code lowest}. */
    Optional<Integer> integer(Section section, String key, int lowest) {
        return parsed(section, key, text -> {
            int value;
            try {
                value = Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a whole number");
            }
            if (value < lowest) {
                throw new IllegalArgumentException(value + " is too small; it must be at least " + lowest);
            }
            return value;
        }, "write a whole number of at least " + lowest);
    }

    /** true or false (YAML's yes/no and on/off too, in any case). */
    Optional<Boolean> bool(Section section, String key) {
        return parsed(section, key, text -> switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
        }, "write true or false");
    }

    Optional<Duration> duration(Section section, String key) {
        return parsed(section, key, Durations::parsePositive,
                "write a positive duration like 500ms, 5s, 10m or 1h (a bare number means seconds)");
    }

    /** A section the file must have: reported on the top-level mapping's line when absent, or when empty. */
    Optional<Section> required(Section top, String key, String example) {
        Optional<Node> node = top.value(key);
        if (node.isEmpty()) {
            problem(top.node(), key + " is missing", "add a section like " + example);
            return Optional.empty();
        }
        Optional<Section> section = section(node.get(), key, example);
        section.filter(s -> s.entries().isEmpty())
                .ifPresent(s -> problem(node.get(), key + " is empty", "add one, like " + example));
        return section;
    }
}
