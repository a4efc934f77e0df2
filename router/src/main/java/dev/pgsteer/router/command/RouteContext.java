package dev.pgsteer.router.command;

import java.util.Collection;
import java.util.Objects;

/**
 * What the router needs to know of the session a statement comes from: the shards its transaction
 * already holds (reads of reference tables prefer them), whether that transaction failed (then only
 * its end is accepted), and whether the statement came in the extended protocol (some COPY forms
 * need the simple one), and the columns of its tables as far as the session learned them (an INSERT
 * without a column list into a sharded table is routed as if they were written).
 */
public record RouteContext(Collection<String> heldShards, boolean transactionFailed, boolean extended, TableColumns columns) {
    public RouteContext {
        Objects.requireNonNull(columns, "columns");
    }

    public RouteContext(Collection<String> heldShards, boolean transactionFailed, boolean extended) {
        this(heldShards, transactionFailed, extended, TableColumns.NONE);
    }
}
