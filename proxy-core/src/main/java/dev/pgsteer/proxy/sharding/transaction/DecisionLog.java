package dev.pgsteer.proxy.sharding.transaction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The durable record of two-phase-commit decisions: a transaction prepared on several shards is
 * committed only after its COMMIT line is on disk (fsync), so that after a crash the prepared
 * transactions it names are committed and every other one of this node is rolled back (presumed
 * abort). One line per event: {@code NODE <id>}, {@code COMMIT <gid> <shards>}, {@code DONE <gid>}.
 * The node id, made when the log is created, is in every gid, so that a node resolves only its own.
 * Blocking I/O: call it off the event loops.
 */
public final class DecisionLog implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final String nodeId;
    private final Map<String, String> committing = new LinkedHashMap<>();

    private DecisionLog(Path path, FileChannel channel, String nodeId) {
        this.path = path;
        this.channel = channel;
        this.nodeId = nodeId;
    }

    /** Opens (or creates) the log, keeping only decisions not yet done. */
    public static DecisionLog open(Path path) {
        try {
            String nodeId = null;
            Map<String, String> pending = new LinkedHashMap<>();
            if (Files.exists(path)) {
                for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                    String[] parts = line.split(" ", 3);
                    switch (parts[0]) {
                        case "NODE" -> nodeId = parts[1];
                        case "COMMIT" -> pending.put(parts[1], parts.length > 2 ? parts[2] : "");
                        case "DONE" -> pending.remove(parts[1]);
                        default -> {
                            // A line cut short by a crash before its fsync: it was never a decision.
                        }
                    }
                }
            }
            if (nodeId == null) {
                nodeId = UUID.randomUUID().toString().substring(0, 8);
            }
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            // Compact: the node and what is still pending, written to a new file and moved in place.
            Path fresh = path.resolveSibling(path.getFileName() + ".new");
            StringBuilder text = new StringBuilder("NODE " + nodeId + "\n");
            pending.forEach((gid, shards) -> text.append("COMMIT ").append(gid).append(' ').append(shards).append('\n'));
            Files.writeString(fresh, text, StandardCharsets.UTF_8);
            try (FileChannel c = FileChannel.open(fresh, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(fresh, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            DecisionLog log = new DecisionLog(path, channel, nodeId);
            log.committing.putAll(pending);
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the two-phase-commit decision log " + path, e);
        }
    }

    public Path path() {
        return path;
    }

    /** The prefix of every gid this node makes: {@code pgsteer_<node>_}. */
    public String gidPrefix() {
        return "pgsteer_" + nodeId + "_";
    }

    /** Records, durably, that {@code gid} commits on {@code shards}. Returns once it is on disk. */
    public synchronized void commit(String gid, List<String> shards) {
        append("COMMIT " + gid + " " + String.join(",", shards) + "\n");
        committing.put(gid, String.join(",", shards));
    }

    /** Every shard committed {@code gid}: nothing is left to resolve. Not forced: losing it only repeats a harmless check. */
    public synchronized void done(String gid) {
        committing.remove(gid);
        try {
            channel.write(ByteBuffer.wrap(("DONE " + gid + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized boolean isCommitted(String gid) {
        return committing.containsKey(gid);
    }

    private void append(String line) {
        try {
            channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the two-phase-commit decision log " + path, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
