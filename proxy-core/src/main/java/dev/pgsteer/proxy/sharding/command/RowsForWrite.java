package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.Sync;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Close;
import dev.pgsteer.protocol.message.frontend.Describe;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.errors.BackendErrorException;
import dev.pgsteer.proxy.sharding.copy.CopyOutRows;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.send.ParseTails;
import dev.pgsteer.proxy.sharding.send.SimpleSender;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reading part of a write pgsteer runs itself (INSERT ... SELECT, UPDATE or DELETE ... IN
 * (SELECT ...)), in the protocol the client used. First PostgreSQL's own analysis of the client's
 * statement on the default shard ({@code EXPLAIN} of it, whose errors are the client's); in the
 * extended protocol that EXPLAIN is parsed with the client's parameter types and bound with its
 * values, and its ParameterDescription gives every parameter's type as PostgreSQL resolved it for
 * the statement. Then the read, its rows gathered as text-format COPY rows: on each of its shards
 * when their rows are concatenated, or on the coordinator (the coordinator step, whose coordinator
 * runs the read in place of a client's statement). In a Query it runs as {@code COPY (read) TO
 * STDOUT}; with the client's parameters, which COPY cannot take, as Parse (with the resolved types:
 * the read may not name every parameter, and one the client left untyped would not resolve), Bind
 * (the client's values, text results) and Execute.
 */
final class RowsForWrite {
    /** The portal pgsteer's own reads run in, closed before their Sync: a client's unnamed portal on the link is left alone. */
    private static final String PORTAL = "pgsteer_read";
    private static final short[] TEXT_RESULTS = {};
    private static final String EXPLAIN = "EXPLAIN ";
    /** An ErrorResponse's field: the error's position in the statement, in characters from 1. */
    private static final char POSITION = 'P';

    /** The client's parameters, typed as PostgreSQL typed them for its statement; {@link #NONE} in a Query. */
    record Parameters(ExtendedSender sender, int[] types) {
        static final Parameters NONE = new Parameters(null, new int[0]);

        /** The client's Execute, its statement parsed declaring the resolved types. */
        StatementSender typed(LexedStatement statement) {
            return sender == null ? new SimpleSender(statement) : sender.withTypes(types);
        }
    }

    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    private final BackendListener owner;
    private final CoordinateCommand coordinate;

    RowsForWrite(FanOut fanOut, ClientReplies replies, EventLoop loop, BackendListener owner,
                 CoordinateCommand coordinate) {
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
        this.coordinate = coordinate;
    }

    /** PostgreSQL's analysis of {@code statement} on {@code link} (the default shard), and the client's parameters as it typed them. */
    Future<Parameters> check(ShardLink link, LexedStatement statement, StatementSender sender) {
        String explain = EXPLAIN + statement.text();
        Promise<Parameters> checked = loop.newPromise();
        switch (sender) {
            case SimpleSender simple -> {
                Future<Void> explained = link.connection().runInternal(explain, loop, link.status());
                explained.addListener(e -> {
                    if (explained.isSuccess()) {
                        checked.setSuccess(Parameters.NONE);
                    } else {
                        checked.setFailure(asTheStatements(explained.cause()));
                    }
                });
            }
            case ExtendedSender extended -> {
                Bind bind = extended.portal().bind();
                Future<CopyOutRows.Gathered> explained = CopyOutRows.run(link, on -> {
                    ByteBufAllocator alloc = on.channel().alloc();
                    on.write(Parse.encode(alloc, "", ParseTails.of(explain, extended.portal().prepared().parseTail())));
                    on.write(Describe.encode(alloc, Target.STATEMENT, ""));
                    boundAndRun(on, bind);
                }, replies.channel(), loop, Long.MAX_VALUE);
                explained.addListener(e -> {
                    link.connection().attach(owner);
                    if (!explained.isSuccess()) {
                        checked.setFailure(asTheStatements(explained.cause()));
                        return;
                    }
                    explained.getNow().rows().forEach(Frame::release);
                    int[] types = explained.getNow().parameterTypes();
                    checked.setSuccess(new Parameters(extended, types != null ? types : new int[0]));
                });
            }
        }
        return checked;
    }

    /**
     * The rows of {@code select} (one row per row of the write's read, text format) as {@code read}
     * says, at most {@code bound} bytes of them. From the shards, over {@code links} (the session's,
     * held for the statement); on the coordinator, {@code links} are given back to the session
     * first and {@code read} fails with {@link Told} when the step told the client why.
     */
    Future<List<Frame>> read(Command.Read read, String select, StatementSender sender, Parameters parameters, List<ShardLink> links,
                             long bound) {
        Promise<List<Frame>> rows = loop.newPromise();
        switch (read) {
            case Command.Run run -> fromShards(run.route().shards(), links, select, parameters, new ArrayList<>(), 0, bound, rows);
            case Command.Coordinate step -> {
                fanOut.abandon();
                for (ShardLink link : links) {
                    if (link.connection().isUsable()) {
                        link.connection().attach(owner);
                    }
                }
                Promise<List<Frame>> captured = loop.newPromise();
                coordinate.read(SqlLexer.statement(select), sender, step, (link, sql) -> on(link, sql, parameters, bound), captured, () -> {
                    if (captured.isSuccess()) {
                        rows.setSuccess(captured.getNow());
                    } else {
                        rows.setFailure(new Told());
                    }
                });
            }
        }
        return rows;
    }

    private void fromShards(List<String> shards, List<ShardLink> links, String select, Parameters parameters, List<Frame> rows,
                            int index, long bound, Promise<List<Frame>> done) {
        if (index == shards.size()) {
            done.setSuccess(rows);
            return;
        }
        ShardLink source = links.stream().filter(l -> l.shard().equals(shards.get(index))).findFirst().orElseThrow();
        long held = rows.stream().mapToLong(Frame::length).sum();
        Future<List<Frame>> read = on(source, select, parameters, bound - held);
        read.addListener(r -> {
            if (read.isSuccess()) {
                rows.addAll(read.getNow());
                fromShards(shards, links, select, parameters, rows, index + 1, bound, done);
            } else {
                rows.forEach(Frame::release);
                done.setFailure(read.cause());
            }
        });
    }

    /** {@code select}'s rows on one link: a COPY in a Query, else Parse, Bind, Execute with the client's parameters. */
    private Future<List<Frame>> on(ShardLink link, String select, Parameters parameters, long bound) {
        if (parameters.sender() == null) {
            return CopyOutRows.run(link, "COPY (" + select + ") TO STDOUT", replies.channel(), loop, bound);
        }
        Promise<List<Frame>> rows = loop.newPromise();
        Bind bind = parameters.sender().portal().bind();
        Future<CopyOutRows.Gathered> read = CopyOutRows.run(link, on -> {
            on.write(Parse.encode(on.channel().alloc(), "", select, parameters.types()));
            boundAndRun(on, bind);
        }, replies.channel(), loop, bound);
        read.addListener(r -> {
            if (read.isSuccess()) {
                rows.setSuccess(read.getNow().rows());
            } else {
                rows.setFailure(read.cause());
            }
        });
        return rows;
    }

    /**
     * PostgreSQL's error for {@code EXPLAIN statement} as the statement's own: its position (a
     * syntax error's, an unknown column's) counted from the statement's start, not EXPLAIN's.
     */
    private static Throwable asTheStatements(Throwable cause) {
        ErrorResponse error = switch (cause) {
            case BackendErrorException backend -> backend.error();
            case CopyOutRows.ShardFailed failed -> {
                ByteBuf frame = failed.error();
                try {
                    yield ErrorResponse.decode(frame.getByte(frame.readerIndex()),
                            frame.slice(frame.readerIndex() + Frame.HEADER_LENGTH, frame.readableBytes() - Frame.HEADER_LENGTH));
                } finally {
                    frame.release();
                }
            }
            default -> null;
        };
        if (error == null) {
            return cause;
        }
        String position = error.fields().get(POSITION);
        if (position == null || !position.matches("\\d+") || Integer.parseInt(position) <= EXPLAIN.length()) {
            return new BackendErrorException(error);
        }
        Map<Character, String> fields = new LinkedHashMap<>(error.fields());
        fields.put(POSITION, Integer.toString(Integer.parseInt(position) - EXPLAIN.length()));
        return new BackendErrorException(new ErrorResponse(error.type(), fields));
    }

    /** Bind of the unnamed statement to pgsteer's portal with every value of the client's, text results; Execute; Close; Sync. */
    private static void boundAndRun(BackendConnection on, Bind bind) {
        ByteBufAllocator alloc = on.channel().alloc();
        int[] all = new int[bind.valueCount()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i + 1;
        }
        on.write(bind.rebind(alloc, PORTAL, "", all, TEXT_RESULTS));
        on.write(Execute.encode(alloc, PORTAL, Execute.ALL_ROWS));
        on.write(Close.encode(alloc, Target.PORTAL, PORTAL));
        Channel channel = on.channel();
        channel.write(Sync.INSTANCE, channel.voidPromise());
    }

    /** The read failed on the coordinator, which told the client why. */
    static final class Told extends Exception {
        Told() {
            super("the coordinator step told the client", null, false, false);
        }
    }
}
