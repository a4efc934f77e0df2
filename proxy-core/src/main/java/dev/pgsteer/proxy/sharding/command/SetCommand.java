package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.function.BooleanSupplier;

/**
 * {@code Command.SessionSetting} and {@code Command.TransactionSetting}: SET and RESET run on every
 * shard. A transaction's setting (SET LOCAL, SET TRANSACTION, SET CONSTRAINTS) also goes with the
 * BEGIN of shards that join later; a session's is carried by the session to its later connections.
 */
public final class SetCommand {
    private final RunCommand run;
    private final ShardTransaction transaction;
    private final ShardSettings settings;
    private final BooleanSupplier unitFailed;

    public SetCommand(RunCommand run, ShardTransaction transaction, ShardSettings settings, BooleanSupplier unitFailed) {
        this.run = run;
        this.transaction = transaction;
        this.settings = settings;
        this.unitFailed = unitFailed;
    }

    public void transactionSetting(LexedStatement statement, StatementSender sender, Route route, Runnable next) {
        transaction.alsoOnJoin(statement.text());
        run.run(statement, sender, route, next);
    }

    public void sessionSetting(LexedStatement statement, StatementSender sender, Route route, Runnable next) {
        // Every shard gets it now; the watch has read what it does (a SET to carry, a RESET whose
        // startup values go back, SET SESSION AUTHORIZATION that pins).
        run.run(statement, sender, route, () -> settings.restoreStartup(unitFailed.getAsBoolean(), next));
    }
}
