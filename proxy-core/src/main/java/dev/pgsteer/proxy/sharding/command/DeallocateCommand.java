package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.router.command.Command;

/**
 * {@code Command.Deallocate}: the session's prepared statements are pgsteer's own, so DEALLOCATE is
 * answered here: ALL forgets them; one name is left to the protocol's Close (drivers use that).
 */
public final class DeallocateCommand {
    private final ShardedPortals portals;
    private final ClientReplies replies;

    public DeallocateCommand(ShardedPortals portals, ClientReplies replies) {
        this.portals = portals;
        this.replies = replies;
    }

    public void run(Command.Deallocate deallocate, Runnable next) {
        if (deallocate.all()) {
            portals.forgetStatements();
        }
        replies.complete(deallocate.tag());
        next.run();
    }
}
