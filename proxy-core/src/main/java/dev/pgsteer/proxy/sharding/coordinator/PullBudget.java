package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.config.CoordinatorConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.observe.ProxyMetrics.PullMeters;

/**
 * One statement's rows pulled to the coordinator, summed over its tables and shards, against
 * {@code databases.<name>.coordinator.max_pulled_rows}; each finished pull is also counted in the
 * database's meters. Written on the session's event loop; the admin console reads {@link #rows}.
 *
 * <p>Past the limit the statement fails with 54000 (program_limit_exceeded), not 53000
 * (insufficient_resources): nothing ran short, a configured bound of pgsteer's was passed, and the
 * same statement fails again until the setting or the statement changes, as with PostgreSQL's own
 * 54000 limits (too many columns, a statement too complex).
 */
public final class PullBudget {
    private final String database;
    private final CoordinatorConfig limit;
    /** Null when the database has no meters (tests that build one without a registry). */
    private final PullMeters meters;
    private volatile long rows;

    public PullBudget(String database, CoordinatorConfig limit, PullMeters meters) {
        this.database = database;
        this.limit = limit;
        this.meters = meters;
    }

    /** Whether the statement may have pulled {@code inFlight} more rows than the finished pulls' count. */
    boolean allows(long inFlight) {
        return limit.allows(rows + inFlight);
    }

    /** A pull ended (finished or not) after passing on {@code pulledRows} rows in {@code pulledBytes} bytes of COPY data. */
    void pulled(long pulledRows, long pulledBytes) {
        rows += pulledRows;
        if (meters != null) {
            meters.pulled(pulledRows, pulledBytes);
        }
    }

    /** The {@code temp_buffers} (MB) the coordinator's connections are raised to; 0: the server's. */
    public int tempBuffersMb() {
        return limit.tempBuffersMb();
    }

    public long rows() {
        return rows;
    }

    /** The error for a statement that pulled {@code inFlight} rows of {@code table} from {@code shard} past the limit. */
    ErrorResponse exceeded(String table, String shard, long inFlight) {
        String setting = "databases." + database + ".coordinator.max_pulled_rows";
        return ProxyErrors.error(SqlState.PROGRAM_LIMIT_EXCEEDED.code(),
                "this statement pulled more than " + limit.maxPulledRows() + " rows to the coordinator (" + setting
                        + "): it had pulled " + (rows + inFlight) + " when it reached table " + table + " of shard " + shard,
                "the coordinator step pulls every row of each sharded table the statement reads from every shard but "
                        + "the coordinator; raise " + setting + " in pgsteer's configuration and reload (0 means no "
                        + "limit), or read fewer rows of sharded tables in one statement");
    }
}
