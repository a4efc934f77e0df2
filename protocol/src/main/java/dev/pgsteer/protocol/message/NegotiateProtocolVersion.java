package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * {@code 'v' | int32 len | int32 newest minor | int32 n | cstring option * n}: sent when a client asks
 * for a newer 3.x minor version or for {@code _pq_.} options we do not know.
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) implements BackendMessage {
    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, 'v');
        out.writeInt(newestMinorVersion);
        out.writeInt(unrecognizedOptions.size());
        unrecognizedOptions.forEach(option -> Wire.writeCString(out, option));
        Wire.endMessage(out, length);
    }
}
