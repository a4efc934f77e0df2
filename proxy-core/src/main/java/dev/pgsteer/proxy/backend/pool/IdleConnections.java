package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.proxy.backend.BackendConnection;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A pool's idle connections, the one released last first. A lease prefers one on its own event loop,
 * so that relaying never hops threads. Connections found unusable on the way are taken out and
 * handed back to the caller to close and uncount. Guarded by its pool's lock.
 */
final class IdleConnections {
    private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();

    /** An idle connection of {@code loop}, or null; unusable ones met on the way go into {@code stale}. */
    BackendConnection takeOf(EventLoop loop, List<BackendConnection> stale) {
        for (Iterator<BackendConnection> it = idle.iterator(); it.hasNext(); ) {
            BackendConnection connection = it.next();
            if (!connection.isUsable()) {
                it.remove();
                stale.add(connection);
            } else if (connection.eventLoop() == loop) {
                it.remove();
                return connection;
            }
        }
        return null;
    }

    /** An idle connection of any loop, or null; unusable ones met on the way go into {@code stale}. */
    BackendConnection takeAny(List<BackendConnection> stale) {
        BackendConnection any;
        while ((any = idle.pollFirst()) != null) {
            if (any.isUsable()) {
                return any;
            }
            stale.add(any);
        }
        return null;
    }

    /** Back from a lease: the first to be taken again. */
    void released(BackendConnection connection) {
        idle.addFirst(connection);
    }

    /** Back from a health check: last in line, as it was not used. */
    void checked(BackendConnection connection) {
        idle.addLast(connection);
    }

    /** The connection idle longest, taken out; null when none is idle. */
    BackendConnection takeOldest() {
        return idle.pollLast();
    }

    /** How long the connection idle longest has been idle; -1 when none is. */
    long longestIdleNanos() {
        BackendConnection last = idle.peekLast();
        return last == null ? -1 : last.times().idleNanos();
    }

    boolean remove(BackendConnection connection) {
        return idle.remove(connection);
    }

    /** The idle connections from the one idle longest on; its remove() takes one out. */
    Iterator<BackendConnection> oldestFirst() {
        return idle.descendingIterator();
    }

    /** Every idle connection, taken out. */
    List<BackendConnection> takeAll() {
        List<BackendConnection> all = new ArrayList<>(idle);
        idle.clear();
        return all;
    }

    int size() {
        return idle.size();
    }

    boolean isEmpty() {
        return idle.isEmpty();
    }
}
