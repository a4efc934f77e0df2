package dev.pgsteer.proxy.sharding;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.sql.LexedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asked about each routed statement of a database while something changes under it (an online bucket
 * move: {@code sharding.move.MoveGuard}): whether it runs, is refused, or waits. Here so that the
 * database and its sessions know the question, not who answers it.
 */
public interface StatementGuard {

    /** What to do with a statement. */
    sealed interface Check {
        record Go() implements Check {
        }

        record Refuse(Command.Refused refused) implements Check {
        }

        /** Wait for {@code released}, then route the statement again; after {@code bound}, fail with {@code timedOut}. */
        record Wait(CompletableFuture<Void> released, Duration bound, Command.Refused timedOut) implements Check {
        }

        /** Run {@code command} instead (a read that would meet a moving bucket's copy, through the coordinator step). */
        record Instead(Command command) implements Check {
        }
    }

    /** Whether {@code database} has anything to guard now: one lookup, asked first. */
    boolean active(String database);

    /**
     * {@code transactionSince}: {@link System#nanoTime} of the first statement of the session's open
     * transaction, {@link Long#MAX_VALUE} outside one.
     */
    Check check(String database, Command command, Router router, LexedStatement statement, KeySource.Placeholders values,
                Analysis plan, long transactionSince);

    /** A statement that waited {@code nanos} (released or timed out), for the metrics. */
    void waited(long nanos);

    /**
     * Conditions over {@code table}'s plain column names that leave out the rows {@code shard} holds
     * but routing by {@code config} does not give it (a moving bucket's copy), for the coordinator
     * step's pulls; empty when it holds none.
     */
    default List<String> hidden(String database, DatabaseConfig config, String table, String shard) {
        return List.of();
    }
}
