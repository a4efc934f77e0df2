package dev.pgsteer.proxy.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** What pgsteer wrote to an {@link EmbeddedChannel}, taken out of it for a reader of messages. */
final class Outbound {
    private Outbound() {
    }

    /**
     * Every buffer that reached {@code channel}'s outbound queue, released and joined into one the
     * caller owns: a message written in pieces is read as one.
     */
    static ByteBuf joined(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf written;
        while ((written = channel.readOutbound()) != null) {
            all.writeBytes(written);
            written.release();
        }
        return all;
    }
}
