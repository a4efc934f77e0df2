package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * PAUSE and RESUME: while paused, a session that needs a backend connection waits (without the
 * acquire timeout) instead of getting one; sessions holding one finish their transactions. For
 * restarting or failing over a backend without clients seeing errors.
 */
final class Pause implements AdminCommand {
    static final List<Column> COLUMNS = List.of(Column.text("status"));

    private final boolean pause;

    Pause(boolean pause) {
        this.pause = pause;
    }

    @Override
    public String name() {
        return pause ? "PAUSE" : "RESUME";
    }

    @Override
    public String description() {
        return pause ? "new transactions wait for a backend connection until RESUME" : "let waiting transactions go on";
    }

    @Override
    public List<Column> columns() {
        return COLUMNS;
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        if (pause) {
            context.pools().pauseAll();
        } else {
            context.pools().resumeAll();
        }
        String status = pause ? "paused: sessions that need a backend connection wait for RESUME"
                : "resumed";
        return CompletableFuture.completedFuture(new Result.Builder(COLUMNS).row(status).build());
    }
}
