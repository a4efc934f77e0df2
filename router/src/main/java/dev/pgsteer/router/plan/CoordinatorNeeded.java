package dev.pgsteer.router.plan;

import dev.pgsteer.config.TableConfig;
import java.util.List;

/**
 * A SELECT on several shards whose rows pgsteer cannot merge itself (a window function,
 * {@code count(DISTINCT x)}, a set operation): refused with 0A000 where no coordinator can answer it
 * (EXPLAIN, COPY of a query), answered by the coordinator step otherwise ({@code Command.Coordinate}).
 * {@code tables} are the sharded tables the statement reads, each once.
 */
public final class CoordinatorNeeded extends RoutingException {
    private final List<TableConfig.Sharded> tables;

    public CoordinatorNeeded(String message, List<TableConfig.Sharded> tables) {
        super("0A000", message);
        this.tables = List.copyOf(tables);
    }

    public List<TableConfig.Sharded> tables() {
        return tables;
    }
}
