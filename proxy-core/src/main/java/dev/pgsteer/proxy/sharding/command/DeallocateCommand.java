package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.router.command.Command;

/**
 * {@code Command.Deallocate}: the session's prepared statements are pgsteer's own, so DEALLOCATE is
 * answered here: ALL forgets them, a name its statement ({@link SqlPreparedCommand#deallocate}), made
 * by SQL PREPARE or by a Parse, as in PostgreSQL.
 */
public final class DeallocateCommand {
    private final ShardedPortals portals;
    private final ClientReplies replies;
    private final SqlPreparedCommand statements;

    public DeallocateCommand(ShardedPortals portals, ClientReplies replies, SqlPreparedCommand statements) {
        this.portals = portals;
        this.replies = replies;
        this.statements = statements;
    }

    public void run(Command.Deallocate deallocate, Runnable next) {
        if (deallocate.name() != null) {
            statements.deallocate(deallocate.name(), next);
            return;
        }
        if (deallocate.all()) {
            portals.forgetStatements();
        }
        replies.complete(deallocate.tag());
        next.run();
    }
}
