package dev.pgsteer.proxy.server;

/**
 * How many event-loop threads relay client and backend bytes ({@code --io-threads N}).
 *
 * <p>The default is one per two cores. A proxy thread spends most of its time in system calls that
 * wake PostgreSQL and the client, and those need the other cores: on a 2-core machine where pgbench,
 * PostgreSQL and the proxy share the cores, one loop relayed as many transactions as two for less
 * CPU per transaction (bench/RESULTS.md). On a host of its own the proxy may use every core.
 */
public final class IoThreads {
    /** Asked for on the command line: the default. */
    public static final int DEFAULT = 0;

    private IoThreads() {
    }

    /** The number of threads for {@code requested} ({@link #DEFAULT} or a count) on {@code cores} cores. */
    public static int count(int requested, int cores) {
        return requested > 0 ? requested : Math.max(1, cores / 2);
    }

    /** The value of {@code --io-threads}: a whole number, 1 or more. */
    public static int parse(String value) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw new IllegalArgumentException("--io-threads needs a whole number of threads, 1 or more, not \"" + value + "\"");
        }
        return n;
    }
}
