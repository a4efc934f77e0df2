package dev.pgsteer.proxy.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

/**
 * One row of {@code SHOW MOVE n} as a progress line. The columns are the console's contract (shared with
 * the mover): {@code id, kind, what, database, source, target, phase, rows_copied, rows_total,
 * rows_per_second, lag_bytes, lag_seconds, hold_ms, started, updated, error}; this reads them by name,
 * so a column added later changes nothing here.
 */
record MoveProgress(long id, String what, String source, String target, String phase, Long rowsCopied, Long rowsTotal,
                    BigDecimal rowsPerSecond, Long lagBytes, BigDecimal lagSeconds, BigDecimal holdMs, String error) {

    /** Phases after which nothing changes: the CLI stops polling. */
    static final Set<String> FINAL = Set.of("done", "failed", "cancelled");

    static MoveProgress of(ResultSet row) throws SQLException {
        return new MoveProgress(row.getLong("id"), row.getString("what"), row.getString("source"), row.getString("target"),
                row.getString("phase"), longOrNull(row, "rows_copied"), longOrNull(row, "rows_total"),
                row.getBigDecimal("rows_per_second"), longOrNull(row, "lag_bytes"), row.getBigDecimal("lag_seconds"),
                row.getBigDecimal("hold_ms"), row.getString("error"));
    }

    boolean finished() {
        return FINAL.contains(phase);
    }

    /** The CLI's exit code once {@link #finished}: 0 when the move is done, else 1. */
    int exitCode() {
        return "done".equals(phase) ? 0 : 1;
    }

    /** {@code move 7 (bucket 5 of 12 of orders, s0 -> s3): copying 1,200/4,800 rows (25%), 300 rows/s, lag 12 kB / 0.4 s}. */
    String line() {
        StringBuilder line = new StringBuilder("move ").append(id).append(" (").append(what).append(", ").append(source)
                .append(" -> ").append(target).append("): ").append(phase);
        if (rowsCopied != null) {
            line.append(", ").append(count(rowsCopied));
            if (rowsTotal != null && rowsTotal > 0) {
                line.append('/').append(count(rowsTotal)).append(" rows (")
                        .append(Math.min(100, rowsCopied * 100 / rowsTotal)).append("%)");
            } else {
                line.append(" rows");
            }
        }
        if (rowsPerSecond != null) {
            line.append(", ").append(count(rowsPerSecond.setScale(0, RoundingMode.HALF_UP).longValue())).append(" rows/s");
        }
        if (lagBytes != null || lagSeconds != null) {
            line.append(", lag ").append(lagBytes == null ? "?" : bytes(lagBytes)).append(" / ")
                    .append(lagSeconds == null ? "?" : lagSeconds.setScale(1, RoundingMode.HALF_UP).toPlainString() + " s");
        }
        if (holdMs != null) {
            line.append(", write hold ").append(holdMs.setScale(0, RoundingMode.HALF_UP).toPlainString()).append(" ms");
        }
        if (error != null && !error.isEmpty()) {
            line.append(": ").append(error);
        }
        return line.toString();
    }

    private static Long longOrNull(ResultSet row, String column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : value;
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
