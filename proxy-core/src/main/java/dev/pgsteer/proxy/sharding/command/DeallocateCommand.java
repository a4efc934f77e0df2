package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.extended.PortalState;
import dev.pgsteer.router.command.Command;

/**
 * {@code Command.Deallocate}: the session's prepared statements are pgsteer's own, so DEALLOCATE is
 * answered here: ALL forgets them; one name is left to the protocol's Close (drivers use that).
 */
public final class DeallocateCommand {
    private final PortalState portals;
    private final ClientReplies replies;

    public DeallocateCommand(PortalState portals, ClientReplies replies) {
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
