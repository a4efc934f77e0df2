package dev.pgsteer.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Writes frames relayed back to back as one buffer. The decoder cuts each message out of the read
 * buffer as a slice; written one by one, a ReadyForQuery's answer of six messages leaves as a
 * {@code writev} of six pieces and costs six entries of the outbound buffer. Slices that follow each
 * other in the same buffer are joined here into one slice of it, without copying a byte, and leave in
 * one {@code send}.
 *
 * <p>It sits on the outbound path just after the encoders, so every write passes it in order. A
 * write with a real promise, or of anything that is not a buffer, first lets the joined run go.
 */
public final class SliceJoiner extends ChannelOutboundHandlerAdapter {
    /** The run being joined: its first slice, which holds the run's reference on {@link #root}. */
    private ByteBuf first;
    private ByteBuf root;
    private int rootIndex;
    private int length;
    /** Where the next slice must start for it to join the run, as an address or an array offset. */
    private long end;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf && promise.isVoid()) {
            if (first != null && joins(buf)) {
                length += buf.readableBytes();
                end += buf.readableBytes();
                buf.release();
                return;
            }
            writeRun(ctx);
            start(buf);
            return;
        }
        writeRun(ctx);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeRun(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        // Netty drops what was written and not flushed when a channel closes: so does the run.
        discard();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard();
    }

    private void start(ByteBuf buf) {
        ByteBuf parent = root(buf);
        long at = position(buf);
        if (parent == null || at < 0 || position(parent) < 0) {
            // Not a slice of a buffer whose bytes can be located: it is written alone.
            first = buf;
            root = null;
            end = Long.MIN_VALUE;
            length = buf.readableBytes();
            return;
        }
        first = buf;
        root = parent;
        rootIndex = (int) (at - base(parent));
        length = buf.readableBytes();
        end = at + length;
    }

    private boolean joins(ByteBuf buf) {
        return root != null && root(buf) == root && position(buf) == end
                && (!buf.hasArray() || buf.array() == root.array());
    }

    private void writeRun(ChannelHandlerContext ctx) {
        if (first == null) {
            return;
        }
        ByteBuf run = first;
        if (root != null && length != first.readableBytes()) {
            run = root.retainedSlice(rootIndex, length);
            first.release();
        }
        first = null;
        root = null;
        ctx.write(run, ctx.voidPromise());
    }

    private void discard() {
        if (first != null) {
            first.release();
            first = null;
            root = null;
        }
    }

    /**
     * The buffer {@code buf} is a slice of, or null. Only a plain slice counts: a slice handed out
     * while leak detection samples it is a wrapper of a slice, and a joined run made under the
     * wrapper's nose would free the buffer where its tracker cannot see it (a false leak report).
     * Such a slice is written alone, as without this handler.
     */
    private static ByteBuf root(ByteBuf buf) {
        ByteBuf parent = buf.unwrap();
        return parent == null || parent.unwrap() != null ? null : parent;
    }

    /** Where the readable bytes of {@code buf} start, in memory or in its array; -1 when unknown. */
    private static long position(ByteBuf buf) {
        long base = base(buf);
        return base < 0 ? -1 : base + buf.readerIndex();
    }

    /** Where index 0 of {@code buf} is, in memory or in its array; -1 when unknown. */
    private static long base(ByteBuf buf) {
        if (buf.hasMemoryAddress()) {
            return buf.memoryAddress();
        }
        if (buf.hasArray()) {
            return buf.arrayOffset();
        }
        return -1;
    }
}
