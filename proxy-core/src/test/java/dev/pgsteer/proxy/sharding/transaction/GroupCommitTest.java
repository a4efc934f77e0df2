package dev.pgsteer.proxy.sharding.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Decisions submitted during a write wait for the next one and go together; failures reach exactly their own futures. */
class GroupCommitTest {
    private final ExecutorService executor = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void decisionsSubmittedDuringAWriteGoTogetherInTheNext() throws Exception {
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstWrite = new CountDownLatch(1);
        List<List<Integer>> writes = new ArrayList<>();
        GroupCommit<Integer> group = new GroupCommit<>(executor, batch -> {
            synchronized (writes) {
                writes.add(batch);
            }
            if (batch.contains(0)) {
                firstWriteStarted.countDown();
                await(releaseFirstWrite);
            }
            return Map.of();
        });

        CompletableFuture<Void> first = group.submit(0);
        assertTrue(firstWriteStarted.await(5, TimeUnit.SECONDS));
        List<CompletableFuture<Void>> more = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            more.add(group.submit(i));
        }
        releaseFirstWrite.countDown();
        first.get(5, TimeUnit.SECONDS);
        for (CompletableFuture<Void> f : more) {
            f.get(5, TimeUnit.SECONDS);
        }

        assertEquals(List.of(List.of(0), List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)), writes, "one write for the ten that waited");
    }

    @Test
    void aFailureReachesTheItemsItConcernsAndAThrowReachesTheWholeBatch() throws Exception {
        RuntimeException refused = new IllegalStateException("lease lost");
        GroupCommit<Integer> group = new GroupCommit<>(executor, batch -> {
            if (batch.contains(13)) {
                throw new IllegalStateException("store down");
            }
            return batch.contains(2) ? Map.of(2, refused) : Map.of();
        });

        group.submit(1).get(5, TimeUnit.SECONDS);
        ExecutionException two = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> group.submit(2).get(5, TimeUnit.SECONDS));
        assertEquals(refused, two.getCause());
        ExecutionException thirteen = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> group.submit(13).get(5, TimeUnit.SECONDS));
        assertEquals("store down", thirteen.getCause().getMessage());
        group.submit(3).get(5, TimeUnit.SECONDS);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
