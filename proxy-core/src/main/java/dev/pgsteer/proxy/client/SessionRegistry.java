package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.message.ErrorResponse;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * The client sessions open now, for the admin console's SHOW CLIENTS. A session is added when its
 * connection is accepted and removed when it closes: one set operation each, nothing per message.
 */
public final class SessionRegistry {
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();

    void add(ClientSession session) {
        sessions.add(session);
    }

    void remove(ClientSession session) {
        sessions.remove(session);
    }

    public int size() {
        return sessions.size();
    }

    /**
     * Ends, with {@code why}, every session that is between transactions (or still logging in);
     * sessions running a statement or holding a transaction are left to finish. Completes with the
     * number of those left.
     */
    public CompletableFuture<Integer> endIdle(ErrorResponse why) {
        return endWhere(why, false);
    }

    /** Ends every session with {@code why}, whatever it is doing; completes with how many were busy. */
    public CompletableFuture<Integer> endAll(ErrorResponse why) {
        return endWhere(why, true);
    }

    private CompletableFuture<Integer> endWhere(ErrorResponse why, boolean all) {
        List<CompletableFuture<Integer>> parts = new ArrayList<>();
        for (ClientSession session : sessions) {
            CompletableFuture<Integer> part = new CompletableFuture<>();
            try {
                session.channel().eventLoop().execute(() -> {
                    String state = session.state();
                    boolean between = state.equals("idle") || state.equals("login") || state.equals("closed");
                    if ((all || between) && !state.equals("closed")) {
                        session.terminate(why);
                    }
                    part.complete(between ? 0 : 1);
                });
            } catch (RejectedExecutionException e) {
                part.complete(0);
            }
            parts.add(part);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(done -> parts.stream().mapToInt(CompletableFuture::join).sum());
    }

    /**
     * Every open session as it stands, ordered by id. Each snapshot is taken on its session's own
     * event loop, so that it reads the fields where they are written; a session that closes
     * meanwhile is left out.
     */
    public CompletableFuture<List<ClientSession.Snapshot>> snapshots() {
        List<CompletableFuture<ClientSession.Snapshot>> parts = new ArrayList<>();
        for (ClientSession session : sessions) {
            CompletableFuture<ClientSession.Snapshot> part = new CompletableFuture<>();
            try {
                Future<ClientSession.Snapshot> taken = session.channel().eventLoop().submit(session::snapshot);
                taken.addListener(f -> part.complete(f.isSuccess() ? taken.getNow() : null));
            } catch (RejectedExecutionException e) {
                part.complete(null);
            }
            parts.add(part);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> parts.stream()
                .map(CompletableFuture::join)
                .filter(s -> s != null && !"closed".equals(s.state()))
                .sorted(Comparator.comparingInt(ClientSession.Snapshot::id))
                .toList());
    }
}
