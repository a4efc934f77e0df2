package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.ProtocolViolationException;
import io.netty.buffer.ByteBuf;

/** {@code 'Z' | int32 5 | byte status}. */
public record ReadyForQuery(TransactionStatus status) implements BackendMessage {
    public static final byte TYPE = 'Z';
    public static final ReadyForQuery IDLE = new ReadyForQuery(TransactionStatus.IDLE);

    public static ReadyForQuery decode(ByteBuf body) {
        if (body.readableBytes() != 1) {
            throw new ProtocolViolationException("ReadyForQuery with a body of " + body.readableBytes() + " bytes");
        }
        return new ReadyForQuery(TransactionStatus.of(body.getByte(body.readerIndex())));
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeByte(TYPE).writeInt(5).writeByte(status.code());
    }
}
