package dev.pgsteer.proxy.sharding.transaction;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Group commit: decisions submitted while a durable write is running wait for the next write, which
 * takes them all, so that N concurrent two-phase commits cost one fsync or one metadata-store
 * transaction, not N. The write runs on {@code executor} (never an event loop); one at a time.
 *
 * @param <T> what is written
 */
final class GroupCommit<T> {
    /** At most this many decisions in one write: a store transaction stays short. */
    static final int MAX_BATCH = 256;

    /** Writes a batch durably; returns the items that could not be written, each with its reason. Throws: none was. */
    @FunctionalInterface
    interface Writer<T> {
        Map<T, RuntimeException> write(List<T> batch);
    }

    private record Pending<T>(T item, CompletableFuture<Void> durable) {
    }

    private final Executor executor;
    private final Writer<T> writer;
    private final List<Pending<T>> queue = new ArrayList<>();
    private boolean writing;

    GroupCommit(Executor executor, Writer<T> writer) {
        this.executor = executor;
        this.writer = writer;
    }

    /** Completes (on the executor's thread) once {@code item} is durable; fails when it could not be made so. */
    CompletableFuture<Void> submit(T item) {
        CompletableFuture<Void> durable = new CompletableFuture<>();
        boolean start;
        synchronized (this) {
            queue.add(new Pending<>(item, durable));
            start = !writing;
            writing = true;
        }
        if (start) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    writing = false;
                }
                failAll(e);
            }
        }
        return durable;
    }

    private void drain() {
        while (true) {
            List<Pending<T>> batch;
            synchronized (this) {
                if (queue.isEmpty()) {
                    writing = false;
                    return;
                }
                int n = Math.min(queue.size(), MAX_BATCH);
                batch = new ArrayList<>(queue.subList(0, n));
                queue.subList(0, n).clear();
            }
            Map<T, RuntimeException> failed;
            try {
                failed = writer.write(batch.stream().map(Pending::item).toList());
            } catch (RuntimeException e) {
                batch.forEach(p -> p.durable().completeExceptionally(e));
                continue;
            }
            for (Pending<T> p : batch) {
                RuntimeException cause = failed.get(p.item());
                if (cause == null) {
                    p.durable().complete(null);
                } else {
                    p.durable().completeExceptionally(cause);
                }
            }
        }
    }

    private void failAll(RuntimeException e) {
        List<Pending<T>> all;
        synchronized (this) {
            all = new ArrayList<>(queue);
            queue.clear();
        }
        all.forEach(p -> p.durable().completeExceptionally(e));
    }
}
