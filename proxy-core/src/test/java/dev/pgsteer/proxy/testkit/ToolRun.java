package dev.pgsteer.proxy.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of a command-line client, with its exit code and its two output streams kept apart (their
 * interleaving depends on buffering, not on the server). The outputs go to files, not pipes, so a
 * large result can never block the child; a run that outlives its timeout is killed, with its
 * children, and reported with what it printed so far.
 */
public record ToolRun(List<String> command, int exitCode, String stdout, String stderr) {

    public static ToolRun run(List<String> command, Map<String, String> environment, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("pgsteer-it-", ".out");
            err = Files.createTempFile("pgsteer-it-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().clear();
            builder.environment().putAll(environment);
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s and was killed: " + String.join(" ", command)
                        + "\n--- stdout so far ---\n" + tail(read(out)) + "\n--- stderr so far ---\n" + tail(read(err)));
            }
            return new ToolRun(List.copyOf(command), process.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * The environment a client runs in: this JVM's, minus every PG* variable (a developer's PGHOST or
     * PGSERVICE must not redirect the test), plus what is given. The C.UTF-8 locale keeps messages
     * untranslated and Unicode intact.
     */
    public static Map<String, String> clientEnvironment(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(name -> name.startsWith("PG"));
        env.put("LC_ALL", "C.UTF-8");
        env.put("LANG", "C.UTF-8");
        env.put("PGCONNECT_TIMEOUT", "10");
        env.putAll(extra);
        return env;
    }

    /** Both outputs, for an assertion message. */
    public String describe() {
        return String.join(" ", command) + "\nexit code " + exitCode + "\n--- stdout ---\n" + tail(stdout) + "\n--- stderr ---\n"
                + tail(stderr);
    }

    private static String tail(String text) {
        int max = 8_000;
        return text.length() <= max ? text : "[... " + (text.length() - max) + " characters before ...]\n" + text.substring(text.length() - max);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static File nullDevice() {
        return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // A temp file left behind is harmless.
            }
        }
    }

    public static List<String> command(Object... parts) {
        List<String> command = new ArrayList<>();
        for (Object part : parts) {
            command.add(String.valueOf(part));
        }
        return command;
    }
}
