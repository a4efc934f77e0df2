package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * {@code 'A' | int32 len | int32 pid | channel\0 | payload\0}: a view over a NotificationResponse
 * frame, which the caller keeps owning. pgsteer reads the channel (a tenant's notifications carry
 * its namespace) and writes the same notification under another channel name.
 */
public final class NotificationResponse {
    private final Frame frame;

    private NotificationResponse(Frame frame) {
        this.frame = frame;
    }

    public static NotificationResponse of(Frame frame) {
        return new NotificationResponse(Backend.NOTIFICATION_RESPONSE.expect(frame));
    }

    /** The process id of the backend that notified. */
    public int processId() {
        ByteBuf body = frame.body();
        return body.getInt(body.readerIndex());
    }

    /** The channel's name as the backend sent it (the bytes, no terminator). */
    public byte[] channel() {
        ByteBuf body = frame.body();
        int start = body.readerIndex() + 4;
        byte[] name = new byte[channelEnd() - start];
        body.getBytes(start, name);
        return name;
    }

    /** This notification under {@code channel}, the pid and payload as they were: a new buffer. */
    public ByteBuf withChannel(ByteBufAllocator alloc, byte[] channel) {
        ByteBuf body = frame.body();
        int payloadStart = channelEnd() + 1;
        int payloadLength = body.writerIndex() - payloadStart;
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + 4 + channel.length + 1 + payloadLength);
        int length = Wire.beginMessage(out, (char) Backend.NOTIFICATION_RESPONSE.code());
        out.writeInt(processId()).writeBytes(channel).writeByte(0).writeBytes(body, payloadStart, payloadLength);
        Wire.endMessage(out, length);
        return out;
    }

    private int channelEnd() {
        ByteBuf body = frame.body();
        int end = body.indexOf(body.readerIndex() + 4, body.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new IllegalArgumentException("NotificationResponse without the end of its channel name");
        }
        return end;
    }

    @Override
    public String toString() {
        return "NotificationResponse(" + processId() + ")";
    }
}
