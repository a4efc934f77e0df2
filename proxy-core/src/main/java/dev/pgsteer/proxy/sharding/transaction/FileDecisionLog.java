package dev.pgsteer.proxy.sharding.transaction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The decisions of one pgsteer instance in a local file, for a pgsteer without a metadata store. One
 * line per event: {@code NODE <id>}, {@code COMMIT <gid> <shards>}, {@code DONE <gid>}. The node id,
 * made when the log is created, is in every gid, so that a node resolves only its own. COMMIT lines
 * written together are forced to disk by one fsync ({@link GroupCommit}). The file is locked while
 * open: two instances sharing one log would share one node id and resolve each other's commits.
 */
public final class FileDecisionLog implements DecisionLog {
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final String nodeId;
    private final Map<String, String> committing = new LinkedHashMap<>();
    private final GroupCommit<String> group;

    private FileDecisionLog(Path path, FileChannel channel, FileLock lock, String nodeId, Executor blocking) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.nodeId = nodeId;
        this.group = new GroupCommit<>(blocking, this::append);
    }

    /**
     * Opens (or creates) the log, keeping only decisions not yet done; its fsyncs run on {@code blocking}.
     * Throws {@link UncheckedIOException} when it cannot, or when another pgsteer has it open.
     */
    public static FileDecisionLog open(Path path, Executor blocking) {
        FileChannel lockChannel = null;
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            // The lock is on a file beside the log: the log itself is replaced when it is compacted.
            lockChannel = FileChannel.open(path.resolveSibling(path.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(lockChannel);
            if (lock == null) {
                throw new IOException("another pgsteer is using it; give each instance its own state_dir "
                        + "(or its own --data), or a metadata_store");
            }
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
            FileDecisionLog log = new FileDecisionLog(path, channel, lock, nodeId, blocking);
            log.committing.putAll(pending);
            return log;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new UncheckedIOException("cannot open the two-phase-commit decision log " + path + ": " + e.getMessage(), e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;   // held by this JVM: another PgSteerServer in the same process
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public String node() {
        return nodeId;
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.empty();
    }

    @Override
    public CompletableFuture<Void> commit(Gid gid, List<String> shards) {
        return group.submit("COMMIT " + gid.text() + " " + String.join(",", shards) + "\n");
    }

    /**
     * COMMIT lines, written and forced together. A failed write or fsync is taken as nothing recorded:
     * the transactions roll back. (A line that reached the disk anyway names a transaction rolled back
     * everywhere, unless a ROLLBACK PREPARED failed too: a local log cannot tell those apart; the
     * metadata store can, see {@link StoreDecisionLog}.)
     */
    private synchronized Map<String, RuntimeException> append(List<String> lines) {
        try {
            channel.write(ByteBuffer.wrap(String.join("", lines).getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
        } catch (IOException e) {
            throw new DecisionFailure.Refused("cannot write the two-phase-commit decision log " + path + ": " + e.getMessage());
        }
        for (String line : lines) {
            String[] parts = line.strip().split(" ", 3);
            committing.put(parts[1], parts[2]);
        }
        return Map.of();
    }

    /** Not forced: losing it only repeats a harmless check. */
    @Override
    public synchronized void done(Gid gid) {
        committing.remove(gid.text());
        try {
            channel.write(ByteBuffer.wrap(("DONE " + gid.text() + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next start finishes it: a local log's node is resolved only then. */
    @Override
    public void unfinished(Gid gid) {
    }

    @Override
    public synchronized Set<Gid> decided(Collection<Gid> gids) {
        Set<Gid> decided = new HashSet<>();
        for (Gid gid : gids) {
            if (committing.containsKey(gid.text())) {
                decided.add(gid);
            }
        }
        return decided;
    }

    public synchronized boolean isCommitted(String gid) {
        return committing.containsKey(gid);
    }

    @Override
    public String describe() {
        return path.toAbsolutePath().toString();
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failing; the first error is the one to report.
            }
        }
    }
}
