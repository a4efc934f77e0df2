package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.config.TenantMode;
import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.router.tenant.ChannelRewriter;
import dev.pgsteer.router.tenant.TenantChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The frames of LISTEN/NOTIFY for tenants whose backend database others share (schema and shared
 * mode, and sessions that named no tenant): a Query or Parse naming channels goes to the backend
 * with them behind the tenant's prefix ({@link ChannelRewriter}), and a NotificationResponse comes
 * back to the client with the prefix taken off, or not at all when it is not the tenant's. A tenant
 * with a backend database of its own shares its channels with no one: its frames pass as they are.
 */
final class ChannelNamespace {
    static final byte NOTIFICATION = Backend.NOTIFICATION_RESPONSE.code();

    private ChannelNamespace() {
    }

    /** The namespace of {@code target}'s channels; null when its backend database is its own. */
    static TenantChannel of(TenantTarget target) {
        if (target.tenant() == null) {
            return TenantChannel.of("");
        }
        return target.tenant().mode() == TenantMode.DATABASE ? null : TenantChannel.of(target.tenant().id());
    }

    /** What a Query or Parse of {@code sql} for {@code target} becomes: rewritten, unchanged or refused. */
    static ChannelRewriter.Rewrite rewrite(Frame frame, String sql, TenantTarget target, boolean backslashQuotes) {
        TenantChannel channel = of(target);
        if (channel == null || !ChannelRewriter.mayNameChannel(sql)) {
            return new ChannelRewriter.Rewrite.Unchanged();
        }
        ByteBuf body = frame.body();
        int from = body.readerIndex();
        if (frame.type() == Frontend.PARSE.code()) {
            from = body.indexOf(from, body.writerIndex(), (byte) 0) + 1;
        }
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        byte[] text = new byte[(end < 0 ? body.writerIndex() : end) - from];
        body.getBytes(from, text);
        return ChannelRewriter.rewrite(text, 0, text.length, backslashQuotes, channel);
    }

    /** {@code frame} (a Query or Parse) with {@code sql} in place of its text. Consumes the frame. */
    static Frame withText(Frame frame, byte[] sql, ByteBufAllocator alloc) {
        ByteBuf body = frame.body();
        ByteBuf out = alloc.buffer(16 + sql.length + body.readableBytes());
        int length = Wire.beginMessage(out, (char) frame.type());
        if (frame.type() == Frontend.PARSE.code()) {
            int nameEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
            out.writeBytes(body, body.readerIndex(), nameEnd + 1 - body.readerIndex());
            int textEnd = body.indexOf(nameEnd + 1, body.writerIndex(), (byte) 0);
            out.writeBytes(sql).writeByte(0);
            // The parameter types stay the client's.
            out.writeBytes(body, textEnd + 1, body.writerIndex() - textEnd - 1);
        } else {
            out.writeBytes(sql).writeByte(0);
        }
        Wire.endMessage(out, length);
        frame.release();
        return new Frame(out);
    }

    /**
     * {@code 'A' | int32 pid | channel\0 | payload\0}: under the tenant's own channel name, or null
     * (released) when the channel is not the tenant's.
     */
    static Frame toClient(Frame notification, TenantTarget active, ByteBufAllocator alloc) {
        TenantChannel channel = active == null ? null : of(active);
        if (channel == null) {
            return notification;
        }
        ByteBuf body = notification.body();
        int pid = body.readInt();
        int channelEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        byte[] backendName = new byte[channelEnd - body.readerIndex()];
        body.readBytes(backendName);
        body.skipBytes(1);
        byte[] clientName = channel.clientName(backendName);
        if (clientName == null) {
            notification.release();
            return null;
        }
        ByteBuf out = alloc.buffer(16 + clientName.length + body.readableBytes());
        int length = Wire.beginMessage(out, (char) NOTIFICATION);
        out.writeInt(pid).writeBytes(clientName).writeByte(0).writeBytes(body);
        Wire.endMessage(out, length);
        notification.release();
        return new Frame(out);
    }
}
