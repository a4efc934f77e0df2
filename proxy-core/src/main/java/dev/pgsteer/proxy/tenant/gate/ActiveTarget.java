package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.ClientSession;
import io.netty.buffer.ByteBufAllocator;

/**
 * The target the relay leases from now, and what follows from it for the session: the settings its
 * connections carry (those of the target before it go), and the LISTEN/NOTIFY namespace in which
 * notifications reach the client.
 */
final class ActiveTarget {
    private final ClientSession session;
    private final ByteBufAllocator alloc;
    private TenantTarget active;

    ActiveTarget(ClientSession session, ByteBufAllocator alloc) {
        this.session = session;
        this.alloc = alloc;
    }

    void activate(TenantTarget next) {
        if (next == active) {
            return;
        }
        var settings = session.settings();
        if (active != null) {
            active.settings().keySet().forEach(name -> {
                if (!next.settings().containsKey(name)) {
                    settings.remove(name);
                }
            });
        }
        next.settings().forEach(settings::set);
        settings.ownerSettings(next.settings().keySet());
        active = next;
    }

    /** A frame the backend sent outside any answer, as the client is to get it; null when it is not the session's. */
    Frame fromBackend(Frame frame) {
        return frame.type() == ChannelNamespace.NOTIFICATION ? ChannelNamespace.toClient(frame, active, alloc) : frame;
    }
}
