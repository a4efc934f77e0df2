package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.Pin;
import dev.pgsteer.proxy.sharding.SessionColumns;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * The end of a unit at a Sync (or the end of a Query): an implicit transaction commits, or rolls back
 * if the unit failed; connections go back unless a transaction or a pin holds them (their settings
 * read back first when the session changed some the shards do not report); the unit's portals go;
 * and ReadyForQuery tells the session's status.
 */
final class UnitEnd {
    private final ClientSession session;
    private final Channel client;
    private final ShardLeases leases;
    private final ShardTransaction transaction;
    private final Pin pin;
    private final ShardSettings settings;
    private final ShardedPortals portals;
    private final SessionColumns columns;
    private final ClientReplies replies;

    UnitEnd(ClientSession session, ShardLeases leases, ShardTransaction transaction, Pin pin, ShardSettings settings,
            ShardedPortals portals, SessionColumns columns, ClientReplies replies) {
        this.session = session;
        this.client = session.channel();
        this.leases = leases;
        this.transaction = transaction;
        this.pin = pin;
        this.settings = settings;
        this.portals = portals;
        this.columns = columns;
        this.replies = replies;
    }

    /** Ends the unit ({@code failed}: one of its statements failed); {@code then} runs once ReadyForQuery is written. */
    void end(boolean failed, Runnable then) {
        Runnable finish = () -> {
            if (transaction.mode() == ShardTransaction.Mode.NONE) {
                // What its DDL did is committed or gone: the database's sessions may learn columns again.
                columns.transactionEnded();
            }
            if (transaction.mode() == ShardTransaction.Mode.NONE && !pin.pinned()) {
                if (settings.captureDue()) {
                    settings.captureThenRelease(() -> ready(then));
                    return;
                }
                leases.releaseAll();
            }
            ready(then);
        };
        if (transaction.mode() == ShardTransaction.Mode.IMPLICIT) {
            transaction.end();
            Future<Void> ended = failed ? transaction.rollback() : transaction.commit();
            ended.addListener(f -> {
                if (!f.isSuccess()) {
                    replies.write(ProxyErrors.of(f.cause(), ErrorResponse.Severity.ERROR));
                }
                finish.run();
            });
        } else {
            finish.run();
        }
    }

    /** The client left: its transaction, if it ran DDL, is over (rolled back with its connections). */
    void sessionClosed() {
        columns.transactionEnded();
    }

    private void ready(Runnable then) {
        portals.dropPortals();
        if (transaction.mode() == ShardTransaction.Mode.NONE) {
            // Outside a transaction block a portal suspended on a coordinator lives until the Sync, as in PostgreSQL.
            transaction.cursors().transactionEnded();
        }
        session.transactionStatus(transaction.status());
        replies.releaseHeld();
        client.write(new ReadyForQuery(transaction.status()), client.voidPromise());
        client.flush();
        then.run();
    }
}
