package dev.pgsteer.config;

/**
 * The coordinator step of a sharded database: {@code databases.<name>.coordinator}. A SELECT whose
 * rows come from several shards and that pgsteer cannot merge runs on a coordinator shard over
 * every other shard's rows, pulled through pgsteer into temporary tables there.
 * {@code maxPulledRows} bounds the rows one statement pulls that way (summed over its tables and
 * shards; the coordinator shard's own rows are copied in place and not counted): past it the
 * statement fails with 54000 instead of filling the coordinator's disk. 0 means no limit.
 * {@code tempBuffersMb}: the {@code temp_buffers} a coordinator's connection is raised to (in MB) before
 * its first temporary table, where the server's is smaller; 0 leaves the server's. The backend keeps
 * that much memory once it used it, until the connection closes.
 */
public record CoordinatorConfig(long maxPulledRows, int tempBuffersMb) {

    /** Large enough for reports over a small table, small enough to stop a runaway join in seconds. */
    public static final long DEFAULT_MAX_PULLED_ROWS = 1_000_000;

    /** The value of {@code max_pulled_rows} that turns the limit off. */
    public static final long UNLIMITED = 0;

    /**
     * PostgreSQL's default is 8 MB; a pulled table larger than its temp_buffers is read through the
     * operating system block by block (TPC-H SF 0.2: ANALYZE of 300,000 orders 98 -> 79 ms, a scan 114 -> 64 ms).
     */
    public static final int DEFAULT_TEMP_BUFFERS_MB = 64;

    public CoordinatorConfig {
        if (maxPulledRows < 0) {
            throw new IllegalArgumentException("max_pulled_rows must be 0 (no limit) or more, not " + maxPulledRows);
        }
        if (tempBuffersMb < 0) {
            throw new IllegalArgumentException("temp_buffers must be 0 (the server's) or more, not " + tempBuffersMb);
        }
    }

    public CoordinatorConfig(long maxPulledRows) {
        this(maxPulledRows, DEFAULT_TEMP_BUFFERS_MB);
    }

    public static CoordinatorConfig defaults() {
        return new CoordinatorConfig(DEFAULT_MAX_PULLED_ROWS, DEFAULT_TEMP_BUFFERS_MB);
    }

    /**
     * {@code temp_buffers: 64MB}: a whole number of MB (or GB, or kB rounded up to MB; no unit: MB), as
     * PostgreSQL writes sizes; 0 leaves the server's value.
     */
    public static int megabytes(String text) {
        String t = text.strip();
        int digits = 0;
        while (digits < t.length() && Character.isDigit(t.charAt(digits))) {
            digits++;
        }
        if (digits == 0 || digits > 7) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 64MB");
        }
        long n = Long.parseLong(t.substring(0, digits));
        String unit = t.substring(digits).strip();
        long mb = switch (unit) {
            case "", "MB" -> n;
            case "GB" -> n * 1024;
            case "kB" -> (n + 1023) / 1024;
            default -> throw new IllegalArgumentException("'" + text + "' has an unknown unit '" + unit + "' (kB, MB or GB)");
        };
        if (mb > 1024 * 1024) {
            throw new IllegalArgumentException("'" + text + "' is more than PostgreSQL allows");
        }
        return (int) mb;
    }

    /** Whether one statement may pull {@code rows} rows. */
    public boolean allows(long rows) {
        return maxPulledRows == UNLIMITED || rows <= maxPulledRows;
    }
}
