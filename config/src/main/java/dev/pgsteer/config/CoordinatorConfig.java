package dev.pgsteer.config;

/**
 * The coordinator step of a sharded database: {@code databases.<name>.coordinator}. A SELECT whose
 * rows come from several shards and that pgsteer cannot merge runs on a coordinator shard over
 * every other shard's rows, pulled through pgsteer into temporary tables there.
 * {@code maxPulledRows} bounds the rows one statement pulls that way (summed over its tables and
 * shards; the coordinator shard's own rows are copied in place and not counted): past it the
 * statement fails with 54000 instead of filling the coordinator's disk. 0 means no limit.
 */
public record CoordinatorConfig(long maxPulledRows) {

    /** Large enough for reports over a small table, small enough to stop a runaway join in seconds. */
    public static final long DEFAULT_MAX_PULLED_ROWS = 1_000_000;

    /** The value of {@code max_pulled_rows} that turns the limit off. */
    public static final long UNLIMITED = 0;

    public CoordinatorConfig {
        if (maxPulledRows < 0) {
            throw new IllegalArgumentException("max_pulled_rows must be 0 (no limit) or more, not " + maxPulledRows);
        }
    }

    public static CoordinatorConfig defaults() {
        return new CoordinatorConfig(DEFAULT_MAX_PULLED_ROWS);
    }

    /** Whether one statement may pull {@code rows} rows. */
    public boolean allows(long rows) {
        return maxPulledRows == UNLIMITED || rows <= maxPulledRows;
    }
}
