package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.router.plan.KeySource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The parameter values of a Bind, read only as far as routing needs them, and only when asked for.
 * The frame has passed {@code FrontendFrames}' check, so it holds what its counts say:
 *
 * <pre>'B' | int32 len | cstring portal | cstring statement | int16 nf | int16 format * nf
 *     | int16 nv | (int32 len | byte * len) * nv | int16 nr | int16 resultFormat * nr</pre>
 */
public final class BindValues implements KeySource.Placeholders {
    private final String portal;
    private final String statement;
    private final short[] formats;
    private final int[] offsets;
    private final int[] lengths;
    private final ByteBuf body;
    /** Where the result-format codes start: they are copied as they are into a rebuilt Bind. */
    private final int resultFormatsAt;

    public BindValues(Frame bind) {
        body = bind.body();
        ByteBuf in = body.duplicate();
        portal = Wire.readCString(in);
        statement = Wire.readCString(in);
        int formatCount = in.readUnsignedShort();
        formats = new short[formatCount];
        for (int i = 0; i < formatCount; i++) {
            formats[i] = in.readShort();
        }
        int count = in.readUnsignedShort();
        offsets = new int[count];
        lengths = new int[count];
        for (int i = 0; i < count; i++) {
            int length = Wire.readInt(in, "parameter length");
            offsets[i] = in.readerIndex();
            lengths[i] = length;
            if (length < -1) {
                // Only -1 is NULL; PostgreSQL reads any other negative length as more than the message holds.
                throw new ProtocolViolationException("insufficient data left in message");
            }
            if (length > 0) {
                if (in.readableBytes() < length) {
                    throw new ProtocolViolationException("Bind parameter " + (i + 1) + " is longer than its message");
                }
                in.skipBytes(length);
            }
        }
        resultFormatsAt = in.readerIndex();
    }

    /**
     * A Bind of the unnamed statement with only the parameters {@code originals} (1-based numbers of
     * this Bind's), in that order: for a statement rewritten for one shard.
     */
    public ByteBuf rebuild(ByteBufAllocator alloc, int[] originals) {
        ByteBuf out = alloc.buffer(body.readableBytes() + 16);
        int length = Wire.beginMessage(out, 'B');
        Wire.writeCString(out, portal);
        Wire.writeCString(out, "");
        if (formats.length <= 1) {
            out.writeShort(formats.length);
            for (short format : formats) {
                out.writeShort(format);
            }
        } else {
            out.writeShort(originals.length);
            for (int original : originals) {
                out.writeShort(formats[original - 1]);
            }
        }
        out.writeShort(originals.length);
        for (int original : originals) {
            int i = original - 1;
            out.writeInt(lengths[i]);
            if (lengths[i] > 0) {
                out.writeBytes(body, offsets[i], lengths[i]);
            }
        }
        out.writeBytes(body, resultFormatsAt, body.writerIndex() - resultFormatsAt);
        Wire.endMessage(out, length);
        return out;
    }

    public String portal() {
        return portal;
    }

    public String statement() {
        return statement;
    }

    public int count() {
        return offsets.length;
    }

    @Override
    public KeySource value(int number) {
        int i = number - 1;
        if (i < 0 || i >= offsets.length) {
            throw new IndexOutOfBoundsException("the Bind has no value for $" + number);
        }
        if (lengths[i] < 0) {
            return null;
        }
        boolean binary = formats.length == 1 ? formats[0] == 1 : formats.length > i && formats[i] == 1;
        if (binary) {
            byte[] bytes = new byte[lengths[i]];
            body.getBytes(offsets[i], bytes);
            return KeySource.binary(bytes);
        }
        return KeySource.text(body.toString(offsets[i], lengths[i], StandardCharsets.UTF_8));
    }
}
