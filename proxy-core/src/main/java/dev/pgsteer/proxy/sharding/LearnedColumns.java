package dev.pgsteer.proxy.sharding;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The columns of a database's sharded tables as its sessions learned them from the default shard's
 * catalog, for INSERTs without a column list; shared by the database's sessions.
 *
 * <p>What DDL may change is never served stale from here: while any session's transaction that ran
 * DDL through pgsteer is open, nothing is served or kept (each such INSERT reads the catalog, on
 * its session's own connection, so it sees exactly what its own statement will see), and when it
 * ends, everything learned is forgotten. A reading that started before a change is not kept after
 * it ({@link #generation}). DDL that bypasses pgsteer (run on the shards directly, or through another
 * pgsteer) is not seen: a reload forgets, and the shards run the INSERT with the learned columns
 * named, so a column that is gone fails there instead of taking another's value.
 */
public final class LearnedColumns {
    private final Map<String, List<String>> byTable = new ConcurrentHashMap<>();
    /** Sessions whose open transaction ran DDL. */
    private volatile int openDdl;
    private long generation;

    /** The table's columns in order, or null: not learned, or DDL is in flight. */
    public List<String> of(String table) {
        return openDdl == 0 ? byTable.get(table) : null;
    }

    /** Taken before a reading of the catalog, given back to {@link #learned}. */
    public synchronized long generation() {
        return generation;
    }

    /** Keeps what was read since {@code generation}, unless DDL came through meanwhile or is in flight. */
    public synchronized void learned(String table, List<String> columns, long since) {
        if (openDdl == 0 && generation == since) {
            byTable.put(table, List.copyOf(columns));
        }
    }

    /** A session's transaction ran DDL: nothing is served until it ends. */
    synchronized void ddlOpened() {
        openDdl++;
        forget();
    }

    /** That transaction ended (committed, rolled back, or its session gone). */
    synchronized void ddlClosed() {
        openDdl--;
        forget();
    }

    /** Everything learned is read again (a reload; DDL). */
    public synchronized void forget() {
        generation++;
        byTable.clear();
    }
}
