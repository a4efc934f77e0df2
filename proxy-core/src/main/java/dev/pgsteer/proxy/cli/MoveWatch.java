package dev.pgsteer.proxy.cli;

import java.io.PrintStream;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * After a command that started a move ({@code MOVE ...}, {@code SPLIT SHARD}, {@code REBALANCE}, which
 * answer {@code id | phase}): polls {@code SHOW MOVE id} once a second and prints a progress line each
 * time it changes, until the move is done (exit 0), failed or cancelled (exit 1); a plan's moves are
 * watched in turn (a queued one shows queued until its turn comes). The move runs in
 * pgsteer, not here: leaving (Ctrl-C) leaves it running, and {@link #leaving} says so.
 */
final class MoveWatch {

    /** Runs {@code SHOW MOVE id}; the result set is positioned before its row. */
    @FunctionalInterface
    interface Console {
        ResultSet showMove(long id) throws SQLException;
    }

    /** Waits between polls; a test gives one that does not. */
    @FunctionalInterface
    interface Pause {
        void between() throws InterruptedException;
    }

    private final Console console;
    private final Pause pause;
    private final PrintStream out;

    MoveWatch(Console console, Pause pause, PrintStream out) {
        this.console = console;
        this.pause = pause;
        this.out = out;
    }

    /** The exit code: 0 when the move is done, 1 when it failed or was cancelled or is gone. */
    int watch(long id) throws SQLException, InterruptedException {
        String last = null;
        while (true) {
            MoveProgress progress;
            try (ResultSet rs = console.showMove(id)) {
                if (!rs.next()) {
                    out.println("move " + id + ": SHOW MOVE " + id + " shows no such move");
                    return 1;
                }
                progress = MoveProgress.of(rs);
            }
            String line = progress.line();
            if (!line.equals(last)) {
                out.println(line);
                last = line;
            }
            if (progress.finished()) {
                return progress.exitCode();
            }
            pause.between();
        }
    }

    /** What Ctrl-C prints: the move goes on without this command. */
    static String leaving(long id) {
        return "pgsteer admin: stopped watching; move " + id + " goes on in pgsteer (SHOW MOVE " + id + " to follow it, CANCEL MOVE "
                + id + " to stop it)";
    }

    /** The move ids of an answer's id column, in order; a row without one (an empty plan says so in a row) has none. */
    static java.util.List<Long> ids(java.util.List<String> column) {
        return column.stream().filter(v -> v != null && v.strip().matches("\\d+")).map(v -> Long.parseLong(v.strip())).toList();
    }

    /** Whether {@code command} starts a move, so that its answer is {@code id | phase} to watch. */
    static boolean startsMove(String command) {
        String upper = command.strip().toUpperCase(java.util.Locale.ROOT);
        return upper.startsWith("MOVE ") || upper.startsWith("SPLIT SHARD") || upper.startsWith("REBALANCE");
    }
}
