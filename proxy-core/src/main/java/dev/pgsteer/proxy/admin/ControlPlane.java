package dev.pgsteer.proxy.admin;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Runs a console command's blocking work (JDBC, files) on a virtual thread, off the event loop. */
final class ControlPlane {
    private ControlPlane() {
    }

    static <T> CompletableFuture<T> run(String name, Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name("pgsteer-admin-" + name).start(() -> {
            try {
                result.complete(work.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
