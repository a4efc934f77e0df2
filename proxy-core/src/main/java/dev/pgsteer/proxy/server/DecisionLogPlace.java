package dev.pgsteer.proxy.server;

import dev.pgsteer.config.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where an instance without a metadata store keeps its local decision log, {@value #FILE}:
 * <ol>
 *   <li>in {@code state_dir:} when the configuration names one;</li>
 *   <li>in the working directory when a {@value #FILE} from an earlier version is there (it may hold
 *       decisions of transactions still prepared: moving it would lose them), with a note saying so;</li>
 *   <li>else in {@code $XDG_STATE_HOME/pgsteer/<listen port>/} ({@code ~/.local/state/pgsteer/<port>/}
 *       without XDG_STATE_HOME): never in the working directory, which may be a source checkout, and one
 *       folder per listen port, as two instances on one machine listen on two ports; with listen port 0
 *       (an ephemeral port: tests, embedding) a new temporary folder, since no later start finds it again.</li>
 * </ol>
 * The embedded default passes {@code DATA/pgsteer-decisions.log} itself ({@code --data}).
 *
 * @param note for the log when the place is worth telling (the earlier version's file), else null
 */
record DecisionLogPlace(Path path, String note) {
    static final String FILE = "pgsteer-decisions.log";

    static DecisionLogPlace choose(ProxyConfig config, Map<String, String> env, Path workingDirectory) {
        if (config.stateDir() != null) {
            return new DecisionLogPlace(config.stateDir().resolve(FILE), null);
        }
        Path legacy = workingDirectory.resolve(FILE);
        if (Files.exists(legacy)) {
            return new DecisionLogPlace(legacy, "using the decision log " + legacy.toAbsolutePath() + " that an earlier "
                    + "pgsteer left in the working directory; set state_dir: (and move the file there while pgsteer is "
                    + "stopped) to keep it elsewhere");
        }
        if (config.listen().port() == 0) {
            // An ephemeral port (tests, embedding): no later start listens there again to find the folder,
            // and two such instances in one process must not share (and lock) one file.
            try {
                return new DecisionLogPlace(Files.createTempDirectory("pgsteer-state").resolve(FILE), null);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot make a state folder for the decision log: " + e.getMessage(), e);
            }
        }
        return new DecisionLogPlace(defaultStateDir(env, config.listen().port()).resolve(FILE), null);
    }

    /** {@code $XDG_STATE_HOME/pgsteer/<port>}, else {@code $HOME/.local/state/pgsteer/<port>}. */
    static Path defaultStateDir(Map<String, String> env, int port) {
        String xdg = env.get("XDG_STATE_HOME");
        Path base;
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            base = Path.of(xdg);
        } else {
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            base = Path.of(home, ".local", "state");
        }
        return base.resolve("pgsteer").resolve(Integer.toString(port));
    }
}
