package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.Sync;
import dev.pgsteer.protocol.message.frontend.Describe;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.sharding.extended.Portal;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.send.SimpleSender;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The coordinator step's last part: the client's statement, run on the coordinator over the
 * temporary tables in the protocol the client sent it in, so that its answer (types, formats,
 * errors, row limit) is PostgreSQL's own. The messages are written, not flushed; they end in one
 * ReadyForQuery, which the request in flight takes.
 */
public sealed interface FinalStep {

    /** The final step of {@code statement} as {@code sender} would have sent it to a shard. */
    static FinalStep of(LexedStatement statement, StatementSender sender) {
        return switch (sender) {
            case SimpleSender simple -> new SimpleQuery(statement.text());
            case ExtendedSender extended -> {
                extended.markCoordinated();
                yield new PortalExecute(extended.portal(), extended.portalName(), extended.describe(), extended.maxRows());
            }
        };
    }

    /**
     * Whether pgsteer gave the client its ParseComplete and BindComplete already (it answers Parse
     * and Bind itself): the coordinator's own are not relayed a second time.
     */
    boolean acknowledged();

    void writeTo(BackendConnection coordinator);

    /**
     * The client's parameters, for pulled conditions that hold them; null when there are none (a
     * Query) or nothing is pulled (a portal that lives on a kept coordinator).
     */
    default PullParameters parameters() {
        return null;
    }

    /** The statement's text as it will run; null for a step that sends none (a portal already bound there). */
    default String sql() {
        return null;
    }

    /**
     * The same step with another text ({@link QualifiedNames}: schema.t read as pg_temp.t), the
     * parameters' types and values unchanged.
     */
    default FinalStep withSql(String sql) {
        return this;
    }

    /**
     * A write's read (INSERT ... SELECT, the keys of UPDATE or DELETE ... IN (SELECT ...)): {@code read}
     * runs {@code sql} on the coordinator and gathers its rows for pgsteer, which the client never sees;
     * {@code rows} gets them, or the reason they could not be read (the step tells the client).
     * {@code parameters}: the client's, for pulled conditions that hold them (null in a Query).
     */
    record Capture(PullParameters parameters, String sql, BiFunction<ShardLink, String, Future<List<Frame>>> read,
                   Promise<List<Frame>> rows) implements FinalStep {
        /** The read with {@code schema.t} read as {@code pg_temp.t}, as the client's own statement would be. */
        @Override
        public FinalStep withSql(String other) {
            return new Capture(parameters, other, read, rows);
        }

        @Override
        public boolean acknowledged() {
            return true;
        }

        /** Never called: the step runs {@link #read}, which writes its own messages and takes their answers. */
        @Override
        public void writeTo(BackendConnection coordinator) {
            throw new IllegalStateException("a capture reads its rows itself");
        }
    }

    /** A simple Query: the client's text, unchanged. */
    record SimpleQuery(String sql) implements FinalStep {
        @Override
        public FinalStep withSql(String other) {
            return new SimpleQuery(other);
        }

        @Override
        public boolean acknowledged() {
            return false;
        }

        @Override
        public void writeTo(BackendConnection coordinator) {
            Channel channel = coordinator.channel();
            channel.write(new Query(sql), channel.voidPromise());
        }
    }

    /**
     * The protocol's Describe of a portal PostgreSQL holds and pgsteer does not bind itself: a SQL
     * cursor (psycopg 3 describes its server cursors by name), or a portal kept past its Sync.
     */
    record DescribePortal(String portalName) implements FinalStep {
        @Override
        public boolean acknowledged() {
            return true;
        }

        @Override
        public void writeTo(BackendConnection coordinator) {
            coordinator.write(Describe.encode(coordinator.channel().alloc(), Target.PORTAL, portalName));
            Channel channel = coordinator.channel();
            channel.write(Sync.INSTANCE, channel.voidPromise());
        }
    }

    /**
     * An Execute that continues a portal suspended on a coordinator whose transaction was kept
     * (inside a transaction block): the client's row limit, then Sync; PostgreSQL answers with the next
     * rows and PortalSuspended again, or CommandComplete.
     */
    record ContinuePortal(String portalName, int maxRows) implements FinalStep {
        @Override
        public boolean acknowledged() {
            return true;
        }

        @Override
        public void writeTo(BackendConnection coordinator) {
            coordinator.write(Execute.encode(coordinator.channel().alloc(), portalName, maxRows));
            Channel channel = coordinator.channel();
            channel.write(Sync.INSTANCE, channel.voidPromise());
        }
    }

    /**
     * The client's Parse (same text, same parameter types), its Bind (same values, parameter and
     * result formats, same portal name), Describe of the portal if the client asked, and Execute with
     * the client's row limit, then Sync: the coordinator answers a row limit with PostgreSQL's own
     * PortalSuspended. The statement is always the unnamed one: a named statement kept on the
     * connection would be planned against the temporary tables, or, prepared before they existed,
     * would read the real ones (PostgreSQL does not parse a statement again when a new table comes to
     * shadow the one it names).
     */
    record PortalExecute(Portal portal, String portalName, boolean describe, int maxRows, byte[] parseTail) implements FinalStep {
        PortalExecute(Portal portal, String portalName, boolean describe, int maxRows) {
            this(portal, portalName, describe, maxRows, portal.prepared().parseTail());
        }

        @Override
        public boolean acknowledged() {
            return true;
        }

        /** The text of the client's Parse, exactly as it sent it. */
        @Override
        public String sql() {
            return new String(parseTail, 0, textEnd(parseTail), StandardCharsets.UTF_8);
        }

        private static int textEnd(byte[] tail) {
            int end = 0;
            while (tail[end] != 0) {
                end++;
            }
            return end;
        }

        /** The client's Parse with this text: its parameter types (what follows the text's NUL) kept. */
        @Override
        public FinalStep withSql(String sql) {
            byte[] tail = portal.prepared().parseTail();
            int end = textEnd(tail);
            byte[] text = sql.getBytes(StandardCharsets.UTF_8);
            byte[] written = new byte[text.length + tail.length - end];
            System.arraycopy(text, 0, written, 0, text.length);
            System.arraycopy(tail, end, written, text.length, tail.length - end);
            return new PortalExecute(portal, portalName, describe, maxRows, written);
        }

        @Override
        public void writeTo(BackendConnection coordinator) {
            ByteBufAllocator alloc = coordinator.channel().alloc();
            coordinator.write(Parse.encode(alloc, "", parseTail));
            portal.bind().frame().retain();
            coordinator.write(portal.bind().renamed(alloc, ""));
            if (describe) {
                coordinator.write(Describe.encode(alloc, Target.PORTAL, portalName));
            }
            coordinator.write(Execute.encode(alloc, portalName, maxRows));
            Channel channel = coordinator.channel();
            channel.write(Sync.INSTANCE, channel.voidPromise());
        }

        @Override
        public PullParameters parameters() {
            return PullParameters.of(portal);
        }
    }
}
