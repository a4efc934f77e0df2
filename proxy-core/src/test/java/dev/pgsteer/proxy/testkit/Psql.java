package dev.pgsteer.proxy.testkit;

import dev.pgsteer.proxy.testkit.ProxiedBackend.Route;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs psql scripts by either route, as a user would: {@code -X} (no psqlrc), errors do not stop the
 * script, errors printed verbosely (SQLSTATE and LOCATION). Only the ports are normalized, since
 * they are the one thing that must differ between the two runs; everything else comes from the
 * same server and must come back byte for byte. (Scripts do not print backend pids, which differ
 * too, and LOCATION lines agree because both runs reach the same server.)
 */
public final class Psql {
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final ClientTool tool;
    private final ProxiedBackend stack;

    public Psql(ClientTool tool, ProxiedBackend stack) {
        this.tool = tool;
        this.stack = stack;
    }

    public ToolRun run(Route route, Path script) {
        return ToolRun.run(ToolRun.command(tool.binary(),
                        "-X", "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=verbose",
                        "-h", stack.host(), "-p", stack.port(route), "-U", EmbeddedBackend.USER, "-d", EmbeddedBackend.DATABASE,
                        "-f", script),
                ToolRun.clientEnvironment(Map.of("PGPASSWORD", EmbeddedBackend.PASSWORD, "PGCLIENTENCODING", "UTF8")),
                TIMEOUT);
    }

    /** Replaces either route's port, as a whole number, by {@code <port>}. */
    public String normalize(String output) {
        String result = output;
        for (Route route : Route.values()) {
            result = result.replaceAll("(?<![0-9])" + stack.port(route) + "(?![0-9])", Matcher.quoteReplacement("<port>"));
        }
        return result;
    }

    public static boolean containsPort(String output, int port) {
        return Pattern.compile("(?<![0-9])" + port + "(?![0-9])").matcher(output).find();
    }
}
