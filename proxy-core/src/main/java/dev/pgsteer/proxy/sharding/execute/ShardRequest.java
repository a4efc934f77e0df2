package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.message.frontend.CopyDone;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.merge.RowMerger;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.SelectMerge;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One request sent to one or more shards, each ending in a ReadyForQuery, and the answer the client
 * sees made from theirs. With {@link Answer#ONE} the shard's frames pass through as they come;
 * {@link Answer#COMBINE} passes one RowDescription (and one of each extended-protocol
 * acknowledgement), every shard's rows, and one CommandComplete with the counts summed;
 * {@link Answer#MIRROR} keeps the first shard's answer until every shard has agreed, so a change
 * that failed somewhere is never reported as done. The shards' ReadyForQuery never reach the client:
 * the session sends its own. A shard's error ends the request for the client; the first one is relayed.
 * A multi-shard SELECT with a {@link SelectMerge} has its rows merged by a {@link RowMerger}
 * (ORDER BY, LIMIT, aggregates, DISTINCT) and its CommandComplete counts the rows the client got.
 */
public final class ShardRequest {
    private final Channel client;
    private final List<ShardLink> links;
    private final Answer answer;
    private final Runnable ended;
    private final Consumer<ShardRequest> done;
    private final boolean swallowAcknowledgements;
    private int pending;
    private Frame firstError;
    private ShardLink failedLink;
    /** Message types already passed on once, by type byte; made at the first, as most requests have one shard and never ask. */
    private boolean[] acknowledged;
    private String tagVerb;
    private long count;
    private boolean sawTag;
    private boolean counted;
    private boolean copyOut;
    private boolean errorsSuppressed;
    private final List<Frame> held = new ArrayList<>();
    private final SelectMerge merge;
    private final RowMerger merger;
    private ErrorResponse mergeError;
    /** Runs before each message to the client: the session's held acknowledgements go first ({@link ClientReplies#hold}). */
    private final Runnable beforeWrite;

    ShardRequest(Runnable ended, ClientReplies replies, List<ShardLink> links, Answer answer, boolean swallowAcknowledgements,
                 Consumer<ShardRequest> done) {
        this(ended, replies, links, answer, swallowAcknowledgements, null, true, done);
    }

    /**
     * {@code merge} says how a multi-shard SELECT's rows are merged (null: as they come);
     * {@code clientDescribes} whether the client gets the RowDescription (extended protocol: it sent Describe);
     * {@code ended} runs before {@code done}, for the {@link FanOut} that tracks the request in flight.
     */
    ShardRequest(Runnable ended, ClientReplies replies, List<ShardLink> links, Answer answer, boolean swallowAcknowledgements,
             SelectMerge merge, boolean clientDescribes, Consumer<ShardRequest> done) {
        this.client = replies.channel();
        this.beforeWrite = replies::releaseHeld;
        this.merge = merge != null && links.size() > 1 && !merge.streamsUnchanged() ? merge : null;
        this.merger = this.merge == null ? null : new RowMerger(this.merge, links.size(), clientDescribes, client.alloc(),
                buf -> toClient(buf));
        this.links = List.copyOf(links);
        this.answer = links.size() == 1 && answer != Answer.MIRROR ? Answer.ONE : answer;
        this.swallowAcknowledgements = swallowAcknowledgements;
        this.ended = ended;
        this.done = done;
        this.pending = links.size();
    }

    /** pgsteer told the client what went wrong itself: the shards' errors are not relayed. */
    public void suppressErrors() {
        errorsSuppressed = true;
    }

    public List<ShardLink> links() {
        return links;
    }

    public boolean failed() {
        return firstError != null || failedLink != null || mergeError != null;
    }

    /** Whether the shards must describe their rows (the merge reads their types) even if the client did not ask. */
    public boolean needsDescription() {
        return merger != null;
    }

    /** Columns the shards return that the client never sees; their Bind must ask formats for them too. */
    public int hiddenColumns() {
        return merge == null ? 0 : merge.hidden();
    }

    public boolean involves(ShardLink link) {
        return links.contains(link);
    }

    /** Takes a frame that {@code link}'s connection sent; ownership passes here. */
    public void onFrame(ShardLink link, Frame frame) {
        Backend type = Backend.of(frame.type());
        if (merger != null && (type == Backend.ROW_DESCRIPTION || type == Backend.DATA_ROW || type == Backend.COMMAND_COMPLETE)) {
            merged(link, frame);
            return;
        }
        switch (type) {
            case READY_FOR_QUERY -> {
                link.reported(ReadyForQuery.decode(frame.body()).status());
                frame.release();
                if (--pending == 0) {
                    finish();
                }
            }
            case ERROR_RESPONSE -> {
                if (firstError == null) {
                    firstError = frame;
                    failedLink = link;
                } else {
                    frame.release();
                }
            }
            case NOTICE_RESPONSE, NOTIFICATION_RESPONSE -> {
                // Shards running the same change say the same things: only the first one's notices are heard.
                if (answer == Answer.MIRROR && link != links.getFirst()) {
                    frame.release();
                } else {
                    toClient(frame.content());
                }
            }
            case PARSE_COMPLETE, BIND_COMPLETE, CLOSE_COMPLETE -> {
                // The Parse, Bind and Close pgsteer sent on the client's behalf: the client had its answers already.
                if (swallowAcknowledgements) {
                    frame.release();
                } else {
                    once(link, frame);
                }
            }
            case ROW_DESCRIPTION, PARAMETER_DESCRIPTION, NO_DATA, EMPTY_QUERY_RESPONSE, PORTAL_SUSPENDED -> once(link, frame);
            case COPY_IN_RESPONSE -> {
                // A MIRROR answer waits for every shard's end, but no COPY ends before the client has sent its data,
                // which it sends only once asked: so even a mirrored COPY (into a reference table) asks it at once.
                if (answer == Answer.MIRROR) {
                    onceNow(frame);
                } else {
                    once(link, frame);
                }
            }
            case COPY_OUT_RESPONSE -> {
                copyOut = true;
                once(link, frame);
            }
            case COPY_DONE -> {
                if (answer == Answer.ONE) {
                    toClient(frame.content());
                } else {
                    frame.release();
                }
            }
            case DATA_ROW, COPY_DATA -> rows(link, frame);
            case COMMAND_COMPLETE -> {
                if (answer == Answer.ONE) {
                    toClient(frame.content());
                } else if (answer == Answer.MIRROR) {
                    primaryOnly(link, frame);
                } else {
                    addCount(CommandComplete.decode(frame.body()).tag());
                    frame.release();
                }
            }
            case AUTHENTICATION, PARAMETER_STATUS, BACKEND_KEY_DATA, NEGOTIATE_PROTOCOL_VERSION, COPY_BOTH_RESPONSE,
                 FUNCTION_CALL_RESPONSE, UNKNOWN -> {
                if (answer == Answer.ONE) {
                    toClient(frame.content());
                } else {
                    primaryOnly(link, frame);
                }
            }
        }
    }

    private void merged(ShardLink link, Frame frame) {
        if (mergeError != null || firstError != null) {
            frame.release();
            return;
        }
        try {
            switch (Backend.of(frame.type())) {
                case ROW_DESCRIPTION -> {
                    String problem = merger.onRowDescription(frame);
                    if (problem != null) {
                        mergeFailed("pgsteer cannot merge " + problem + " over several shards");
                    }
                }
                case DATA_ROW -> merger.onRow(links.indexOf(link), frame);
                default -> {
                    // CommandComplete, the only other message onFrame hands here: this shard's rows are all in.
                    frame.release();
                    sawTag = true;
                    merger.onShardDone(links.indexOf(link));
                }
            }
        } catch (RuntimeException e) {
            mergeFailed("pgsteer could not merge the shards' rows: " + e.getMessage());
        }
    }

    private void mergeFailed(String message) {
        mergeError = ProxyErrors.error(SqlState.FEATURE_NOT_SUPPORTED, message);
        merger.discard();
    }

    private void once(ShardLink link, Frame frame) {
        switch (answer) {
            case ONE -> toClient(frame.content());
            case MIRROR -> primaryOnly(link, frame);
            case COMBINE -> onceNow(frame);
        }
    }

    /** The first shard's frame of this type goes to the client now; the others' are dropped. */
    private void onceNow(Frame frame) {
        int slot = frame.type() & 0x7f;
        if (acknowledged == null) {
            acknowledged = new boolean[128];
        }
        if (acknowledged[slot]) {
            frame.release();
        } else {
            acknowledged[slot] = true;
            toClient(frame.content());
        }
    }

    private void rows(ShardLink link, Frame frame) {
        if (answer == Answer.MIRROR) {
            primaryOnly(link, frame);
        } else {
            toClient(frame.content());
        }
    }

    private void primaryOnly(ShardLink link, Frame frame) {
        if (link == links.getFirst()) {
            held.add(frame);
        } else {
            frame.release();
        }
    }

    private void addCount(String tag) {
        int space = tag.lastIndexOf(' ');
        if (space > 0) {
            try {
                count += Long.parseLong(tag.substring(space + 1));
                tagVerb = tag.substring(0, space);
                sawTag = true;
                counted = true;
                return;
            } catch (NumberFormatException e) {
                // A tag without a count (CREATE TABLE): all shards say the same.
            }
        }
        tagVerb = tag;
        sawTag = true;
    }

    private void finish() {
        if (merger != null && (firstError != null || failedLink != null || mergeError != null)) {
            merger.discard();
        }
        if (mergeError != null && firstError == null && failedLink == null) {
            toClient(mergeError);
        } else if (firstError != null || failedLink != null) {
            held.forEach(Frame::release);
            held.clear();
            if (errorsSuppressed) {
                if (firstError != null) {
                    firstError.release();
                }
            } else if (firstError != null) {
                toClient(firstError.content());
            } else {
                toClient(ProxyErrors.backendLost(failedLink.shard())
                        .withSeverity(ErrorResponse.Severity.ERROR));
            }
        } else if (answer == Answer.MIRROR) {
            held.forEach(f -> toClient(f.content()));
            held.clear();
        } else if (merger != null) {
            merger.finish();
            toClient(new CommandComplete("SELECT " + merger.rowsSent()));
        } else if (answer == Answer.COMBINE && sawTag) {
            if (copyOut) {
                // CopyDone: once, after every shard's data (the server's bytes are the client's).
                toClient(CopyDone.INSTANCE);
            }
            toClient(new CommandComplete(counted ? tagVerb + " " + count : tagVerb));
        }
        ended.run();
        done.accept(this);
    }

    private void toClient(Object message) {
        beforeWrite.run();
        client.write(message, client.voidPromise());
    }

    /** The link's connection went away mid-request. */
    public void onLinkLost(ShardLink link) {
        if (firstError == null) {
            failedLink = link;
        }
        link.reported(TransactionStatus.FAILED);
        if (--pending == 0) {
            finish();
        }
    }
}
