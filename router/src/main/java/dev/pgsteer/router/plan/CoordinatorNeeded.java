package dev.pgsteer.router.plan;

import dev.pgsteer.config.TableConfig;
import java.util.List;

/**
 * A SELECT on several shards whose rows pgsteer cannot merge itself (a window function,
 * {@code count(DISTINCT x)}, a set operation): refused with 0A000 where no coordinator can answer it
 * (EXPLAIN, COPY of a query), answered by the coordinator step otherwise ({@code Command.Coordinate}).
 * {@code tables} are the sharded tables the statement reads, each once; {@code alsoReads} the other
 * tables it reads (unsharded and reference tables, on the coordinator already), each once.
 */
public final class CoordinatorNeeded extends RoutingException {
    private final List<TableConfig.Sharded> tables;
    private final List<String> alsoReads;

    public CoordinatorNeeded(String message, List<TableConfig.Sharded> tables, List<String> alsoReads) {
        super("0A000", message);
        this.tables = List.copyOf(tables);
        this.alsoReads = List.copyOf(alsoReads);
    }

    public List<String> alsoReads() {
        return alsoReads;
    }

    public List<TableConfig.Sharded> tables() {
        return tables;
    }
}
