package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.coordinator.ApartFrames;
import dev.pgsteer.proxy.sharding.coordinator.FinalStep;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.SessionCursors;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.router.plan.Answer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * A statement on a coordinator whose transaction the step kept ({@link SessionCursors}): FETCH, MOVE
 * or CLOSE of the cursor declared there, or an Execute that continues the portal a row limit
 * suspended there. PostgreSQL answers over the temporary tables it still holds; its frames pass to
 * the client as they come. An error aborts the coordinator's transaction (and fails the session's, as
 * in PostgreSQL): the coordinator goes back to its pool, as it does after a CLOSE.
 */
public final class KeptCoordinator {
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    private final SessionCursors cursors;

    KeptCoordinator(FanOut fanOut, ClientReplies replies, EventLoop loop, SessionCursors cursors) {
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.cursors = cursors;
    }

    /** The next Execute of a portal suspended on a kept coordinator; false when no coordinator keeps it. */
    public boolean continuePortal(String portal, int maxRows, Runnable next) {
        ShardLink coordinator = cursors.coordinator(SessionCursors.Kind.PORTAL, portal);
        if (coordinator == null) {
            return false;
        }
        run(coordinator, new FinalStep.ContinuePortal(portal, maxRows), SessionCursors.Kind.PORTAL, portal, false, next);
        return true;
    }

    /**
     * The protocol's Describe of a portal pgsteer did not bind: a SQL cursor (its portal has the
     * cursor's name), or a portal kept on a coordinator past its Sync, described where it lives;
     * false when pgsteer knows no such name.
     */
    public boolean describe(String name, Runnable next) {
        SessionCursors.Kind kind = SessionCursors.Kind.PORTAL;
        ShardLink coordinator = cursors.coordinator(kind, name);
        if (coordinator == null) {
            kind = SessionCursors.Kind.CURSOR;
            coordinator = cursors.coordinator(kind, name);
        }
        FinalStep describe = new FinalStep.DescribePortal(name);
        if (coordinator != null) {
            run(coordinator, describe, kind, name, false, next);
            return true;
        }
        String shard = cursors.shardOf(name);
        if (shard == null) {
            return false;
        }
        Future<List<ShardLink>> acquired = fanOut.acquire(List.of(shard));
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            ShardLink link = acquired.getNow().getFirst();
            fanOut.start(List.of(link), Answer.ONE, true, request -> {
                if (request.failed()) {
                    replies.failed();
                }
                next.run();
            });
            describe.writeTo(link.connection());
            link.connection().flush();
        });
        return true;
    }

    /** Runs {@code step} where {@code name} lives;    /** Runs {@code step} where {@code name} lives; {@code thenClose}: it is closed by the step (CLOSE). */
    void run(ShardLink coordinator, FinalStep step, SessionCursors.Kind kind, String name, boolean thenClose, Runnable next) {
        if (!coordinator.connection().isUsable()) {
            cursors.close(kind, name);
            replies.fail(ProxyErrors.backendLost(coordinator.shard()));
            next.run();
            return;
        }
        coordinator.connection().attach(new ApartFrames(coordinator, fanOut, replies.channel(), loop));
        fanOut.start(List.of(coordinator), Answer.ONE, step.acknowledged(), request -> {
            if (request.failed()) {
                replies.failed();
                cursors.close(kind, name);
            } else if (thenClose) {
                cursors.close(kind, name);
            }
            next.run();
        });
        step.writeTo(coordinator.connection());
        coordinator.connection().flush();
    }
}
