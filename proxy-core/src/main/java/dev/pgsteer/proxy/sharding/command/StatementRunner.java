package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.router.sql.LexedStatement;

/** Runs a statement as if the client had sent it as a simple Query: routed, then executed. */
@FunctionalInterface
public interface StatementRunner {
    void run(LexedStatement statement, Runnable next);
}
