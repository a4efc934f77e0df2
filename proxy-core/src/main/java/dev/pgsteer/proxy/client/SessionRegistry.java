package dev.pgsteer.proxy.client;

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
