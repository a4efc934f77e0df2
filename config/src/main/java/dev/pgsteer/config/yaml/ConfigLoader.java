package dev.pgsteer.config.yaml;

import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ProxyConfig;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads the YAML configuration file. SnakeYAML is used only to compose a node tree (never to build
 * Java objects), because the nodes keep their line numbers, and every problem must name its line.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    public static ProxyConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static ProxyConfig load(Path file, Map<String, String> env) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 0, "cannot read the configuration file (" + e + ")",
                    "check the path and that pgsteer may read it", e);
        }
        return parse(yaml, file.toString(), env);
    }

    public static ProxyConfig parse(String yaml, String sourceName, Map<String, String> env) {
        Node root = compose(yaml, sourceName);
        if (root == null) {
            throw new ConfigException(sourceName, 0, "the configuration is empty",
                    "describe at least backends: and databases:");
        }
        return new ConfigBinder(sourceName, env).bind(root);
    }

    private static Node compose(String yaml, String sourceName) {
        try {
            // Default limits stay on (aliases, size), so a hostile file cannot blow up the heap.
            return new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            int line = mark == null ? 0 : mark.getLine() + 1;
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw new ConfigException(sourceName, line, "this is not valid YAML: " + problem.strip(),
                    syntaxHint(yaml, line), e);
        } catch (YAMLException e) {
            throw new ConfigException(sourceName, 0, "this is not valid YAML: " + e.getMessage(),
                    "check the file's syntax", e);
        }
    }

    /** The two slips we see most, spelt out; otherwise a general pointer. */
    static String syntaxHint(String yaml, int line) {
        String[] lines = yaml.split("\r?\n", -1);
        for (int i = Math.max(0, line - 2); i < Math.min(lines.length, line); i++) {
            String text = lines[i];
            if (text.stripLeading().startsWith("*")) {
                return "quote the passthrough database name: \"*\": { shards: [main] } (a bare * starts a YAML alias)";
            }
            if (text.startsWith("\t") || text.matches("^ *\t.*")) {
                return "indent with spaces; YAML does not allow tabs";
            }
        }
        return "check the indentation and quoting on this line and the one before";
    }
}
