package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.function.BooleanSupplier;

/**
 * {@code Command.Discard}: DISCARD runs on every shard; the session's prepared statements are gone,
 * and so are pgsteer's on the connections. What DISCARD ALL reset goes back to the session's startup values.
 */
public final class DiscardCommand {
    private final RunCommand run;
    private final ShardedPortals portals;
    private final ShardLeases leases;
    private final ShardSettings settings;
    private final BooleanSupplier unitFailed;

    public DiscardCommand(RunCommand run, ShardedPortals portals, ShardLeases leases, ShardSettings settings, BooleanSupplier unitFailed) {
        this.run = run;
        this.portals = portals;
        this.leases = leases;
        this.settings = settings;
        this.unitFailed = unitFailed;
    }

    public void run(LexedStatement statement, StatementSender sender, Route route, Runnable next) {
        portals.forgetStatements();
        // DISCARD ALL (or PLANS) drops what pgsteer prepared on the connections too.
        run.run(statement, sender, route, () -> {
            leases.all().forEach(link -> link.connection().preparedStatements().clear());
            settings.restoreStartup(unitFailed.getAsBoolean(), next);
        });
    }
}
