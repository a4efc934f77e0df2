package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.Pin;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.sql.LexedStatement;

/**
 * {@code Command.Listen}: LISTEN or UNLISTEN runs on the default shard, and the session keeps that
 * connection from now on: notifications arrive there.
 */
public final class ListenCommand {
    private final RunCommand run;
    private final Pin pin;

    public ListenCommand(RunCommand run, Pin pin) {
        this.run = run;
        this.pin = pin;
    }

    public void run(LexedStatement statement, StatementSender sender, Route route, Runnable next) {
        pin.pin(statement.firstKeyword());
        run.run(statement, sender, route, next);
    }
}
