package dev.pgsteer.proxy.client;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's own BackendKeyData: each client gets a process id unique in this proxy and a random
 * secret. A CancelRequest quoting both reaches the session, which knows which backend connection runs
 * its statement at that moment; the backend's own keys never leave the proxy.
 */
public final class CancelRegistry {
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger nextProcessId = new AtomicInteger(1 + new SecureRandom().nextInt(1 << 20));
    private final ConcurrentHashMap<Integer, Entry> sessions = new ConcurrentHashMap<>();

    private record Entry(int secret, Runnable cancel) {
    }

    /** Registers a session; returns {processId, secret}. */
    public int[] register(Runnable cancel) {
        int secret = random.nextInt();
        while (true) {
            int pid = nextProcessId.getAndIncrement() & 0x7fffffff;
            if (pid != 0 && sessions.putIfAbsent(pid, new Entry(secret, cancel)) == null) {
                return new int[] {pid, secret};
            }
        }
    }

    public void unregister(int processId) {
        sessions.remove(processId);
    }

    /** Runs the session's cancel action if the key matches; says nothing either way, as PostgreSQL does. */
    public boolean cancel(int processId, int secret) {
        Entry entry = sessions.get(processId);
        if (entry == null || entry.secret() != secret) {
            return false;
        }
        entry.cancel().run();
        return true;
    }

    public int size() {
        return sessions.size();
    }
}
