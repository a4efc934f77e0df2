package dev.pgsteer.proxy.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A PostgreSQL command-line client (psql, pgbench) found on this machine. When one is missing, the
 * tests that need it are skipped loudly (a banner on stderr and the skip reason in the report), so
 * that {@code ./mvnw verify} passes on a machine with only a JDK; under CI, which installs the
 * tools and sets {@code PGSTEER_REQUIRE_CLIENT_TOOLS=1}, they fail instead, so a missing tool can
 * never hide that the real-client tests did not run.
 */
public record ClientTool(String name, Path binary) {

    /**
     * The first {@code name} on PATH that runs, else the newest one under
     * {@code /usr/lib/postgresql/<version>/bin} (Debian's layout, where the PATH entry is a wrapper
     * that may refuse to run without a matching server package).
     */
    public static ClientTool require(String name) {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, name));
            }
        }
        candidates.addAll(debianBinaries(name));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate) && runs(candidate)) {
                return new ClientTool(name, candidate);
            }
        }
        String message = name + " was not found on PATH nor in /usr/lib/postgresql/*/bin (looked in " + candidates.size()
                + " places), so the tests that drive PostgreSQL's own clients cannot run. Install the PostgreSQL client "
                + "tools: on Debian/Ubuntu `apt-get install postgresql-client` (pgbench also comes with the "
                + "postgresql-<version> package), on macOS `brew install libpq` and put its bin on PATH.";
        if ("1".equals(System.getenv("PGSTEER_REQUIRE_CLIENT_TOOLS"))) {
            return fail(message + " CI sets PGSTEER_REQUIRE_CLIENT_TOOLS=1: these tests must run there.");
        }
        System.err.println("\n*** SKIPPING TESTS THAT NEED " + name.toUpperCase(java.util.Locale.ROOT) + " ***\n*** " + message + "\n");
        org.junit.jupiter.api.Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    private static List<Path> debianBinaries(String name) {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.sorted(Comparator.comparing(ClientTool::versionOf).reversed())
                    .map(version -> version.resolve("bin").resolve(name))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int versionOf(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Debian's pg_wrapper is executable but may exit with an error; only a binary that answers counts. */
    private static boolean runs(Path candidate) {
        try {
            Process process = new ProcessBuilder(candidate.toString(), "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public Optional<String> version() {
        try {
            Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            process.waitFor();
            return Optional.of(out);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
