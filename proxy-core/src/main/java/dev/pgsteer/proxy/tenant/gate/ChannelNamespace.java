package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.config.TenantMode;
import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.backend.NotificationResponse;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.wire.Frame;
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
        ByteBuf out = frame.type() == Frontend.PARSE.code() ? Parse.of(frame).withQuery(alloc, sql) : Query.encode(alloc, sql);
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
        NotificationResponse received = NotificationResponse.of(notification);
        byte[] clientName = channel.clientName(received.channel());
        if (clientName == null) {
            notification.release();
            return null;
        }
        ByteBuf out = received.withChannel(alloc, clientName);
        notification.release();
        return new Frame(out);
    }
}
