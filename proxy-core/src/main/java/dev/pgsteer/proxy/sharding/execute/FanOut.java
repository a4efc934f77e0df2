package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.SelectMerge;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sends one request of a session to its shards: leases them once (in the session's transaction when
 * it has one), reports a lease that failed itself, and keeps the {@link ShardRequest} in flight, to
 * which the shards' frames, a lost connection and a cancel go.
 */
public final class FanOut {
    private final ShardLeases leases;
    private final ClientReplies replies;
    /** The BEGIN that brings a newly leased shard into the session's transaction; null when there is none. */
    private final Supplier<String> begin;
    private final BooleanSupplier closed;
    /** Runs as a request ends, before its own continuation. */
    private final Runnable requestEnded;
    private final Runnable ended = this::ended;
    private ShardRequest current;

    public FanOut(ShardLeases leases, ClientReplies replies, Supplier<String> begin, BooleanSupplier closed, Runnable requestEnded) {
        this.leases = leases;
        this.replies = replies;
        this.begin = begin;
        this.closed = closed;
        this.requestEnded = requestEnded;
    }

    /** The client left: the session has closed or given back every connection of the request in flight. */
    public boolean clientGone() {
        return closed.getAsBoolean();
    }

    /** The request the shards are answering now, or null. */
    public ShardRequest current() {
        return current;
    }

    /**
     * The session's links to {@code shards}, leased now if need be (in the session's transaction when
     * it has one). Its listener asks {@link #ready} first: one listener per statement, no more.
     */
    public Future<List<ShardLink>> acquire(List<String> shards) {
        return leases.acquire(shards, begin.get());
    }

    /**
     * Whether the statement goes on with the links {@code acquired}: if one could not be had, the
     * statement fails with the reason and {@code next} runs; if the client left meanwhile, nothing runs.
     */
    public boolean ready(Future<List<ShardLink>> acquired, Runnable next) {
        if (closed.getAsBoolean()) {
            return false;
        }
        if (!acquired.isSuccess()) {
            replies.fail(acquired.cause());
            next.run();
            return false;
        }
        return true;
    }

    /** Starts a request on {@code links} whose answer passes through as {@code answer} says; see {@link ShardRequest}. */
    public ShardRequest start(List<ShardLink> links, Answer answer, boolean swallowAcknowledgements, Consumer<ShardRequest> done) {
        current = new ShardRequest(ended, replies, links, answer, swallowAcknowledgements, done);
        return current;
    }

    /** {@link #start} of a statement whose rows may be merged ({@code merge}) and described to the client or not. */
    public ShardRequest start(List<ShardLink> links, Answer answer, boolean swallowAcknowledgements, SelectMerge merge,
                              boolean clientDescribes, Consumer<ShardRequest> done) {
        current = new ShardRequest(ended, replies, links, answer, swallowAcknowledgements, merge, clientDescribes, done);
        return current;
    }

    /**
     * Registers {@code links} as in flight while pgsteer runs its own statements on them (the
     * coordinator's pulls, an INSERT ... SELECT's read and write): a cancel reaches every one, and a
     * client that leaves has every one closed. Ended by the next {@link #start} or by {@link #abandon}.
     */
    public void hold(List<ShardLink> links) {
        start(links, Answer.COMBINE, false, ignored -> { });
    }

    /**
     * Nothing is in flight any more, though the request {@link #start}ed last never ended: it only
     * stood for a step pgsteer runs itself (the coordinator's pull), which failed. A later cancel must
     * not reach connections the session gives back.
     */
    public void abandon() {
        current = null;
    }

    private void ended() {
        current = null;
        requestEnded.run();
    }
}
