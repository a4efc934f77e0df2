package dev.pgsteer.protocol.codec;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import io.netty.buffer.ByteBuf;

/**
 * {@link FrontendFrames#check} for a client message that arrives in pieces: its {@link FrameHead},
 * then each {@link FrameChunk}, checked as they come with a few ints of state and never a byte
 * held. The verdicts are FrontendFrames' own, and come as early as the bytes allow: a value length
 * that runs past the message's end is refused in the chunk that holds it, before the value is
 * passed on. One client connection streams one message at a time: one check serves them all.
 *
 * <p>Of the types pgsteer streams only a Bind has a layout; PostgreSQL reads nothing of a CopyData
 * outside COPY, and passes it to COPY whole. A streamed Bind's portal and statement names must end
 * in its head ({@link PgFrameDecoder#STREAM_HEAD} bytes): the relay renames the statement there.
 */
public final class StreamedFrameCheck {
    static final Verdict.ProtocolViolation NAMES_PAST_HEAD = new Verdict.ProtocolViolation(
            "the portal and statement names of a Bind over " + PgFrameDecoder.STREAM_ABOVE / 1024
                    + " KiB must end in its first " + PgFrameDecoder.STREAM_HEAD + " bytes");

    /** Where a Bind's check is: {@code 'B' | names | int16 nf | int16 * nf | int16 n | (int32 len | byte * len) * n | int16 nr | int16 * nr}. */
    private enum Field {
        FORMAT_COUNT, PARAMETER_COUNT, VALUE_LENGTH, RESULT_COUNT,
        /** {@link #skipping} bytes that are not read (format codes, a value), then {@link #afterSkip}. */
        SKIP,
        /** The layout is complete: the message must end here. */
        END,
        /** Nothing to follow (CopyData), or no streamed message under way. */
        UNCHECKED
    }

    private Field field = Field.UNCHECKED;
    private Field afterSkip;
    private long skipping;
    /** Bytes of the message not consumed yet, this field's included. */
    private long remaining;
    private int intLength;
    private int intRead;
    private int intValue;
    private int formats;
    private int parametersLeft;

    /** A streamed message begins: its head is checked as far as it goes. */
    public Verdict head(FrameHead head) {
        ByteBuf content = head.content();
        int at = content.readerIndex() + Frame.HEADER_LENGTH;
        int end = content.writerIndex();
        remaining = end - at + (long) head.bytesToFollow();
        byte type = head.type();
        if (type == Frontend.COPY_DATA.code()) {
            field = Field.UNCHECKED;
            return Verdict.Valid.FRAME;
        }
        if (type != Frontend.BIND.code()) {
            throw new IllegalArgumentException("a message of type " + (char) type + " is not checked in pieces");
        }
        int names = at;
        for (int i = 0; i < 2 && names >= 0; i++) {
            int nul = content.indexOf(names, end, (byte) 0);
            names = nul < 0 ? -1 : nul + 1;
        }
        if (names < 0) {
            field = Field.UNCHECKED;
            return NAMES_PAST_HEAD;
        }
        remaining -= names - at;
        Verdict next = expectInt(Field.FORMAT_COUNT, 2);
        return next != Verdict.Valid.FRAME ? next : feed(content, names, end);
    }

    /** The next piece of the message; {@code chunk.last()} ends it. */
    public Verdict chunk(FrameChunk chunk) {
        if (field == Field.UNCHECKED) {
            return Verdict.Valid.FRAME;
        }
        ByteBuf bytes = chunk.content();
        Verdict verdict = feed(bytes, bytes.readerIndex(), bytes.writerIndex());
        if (verdict == Verdict.Valid.FRAME && chunk.last() && field != Field.END) {
            return FrontendFrames.INSUFFICIENT_DATA;
        }
        return verdict;
    }

    private Verdict feed(ByteBuf buf, int at, int end) {
        while (at < end) {
            switch (field) {
                case SKIP -> {
                    int n = (int) Math.min(skipping, end - at);
                    at += n;
                    skipping -= n;
                    remaining -= n;
                    if (skipping == 0) {
                        Verdict next = enter(afterSkip);
                        if (next != Verdict.Valid.FRAME) {
                            return next;
                        }
                    }
                }
                case END -> {
                    return FrontendFrames.INVALID_FORMAT;
                }
                case UNCHECKED -> {
                    return Verdict.Valid.FRAME;
                }
                default -> {
                    intValue = intValue << 8 | (buf.getByte(at++) & 0xff);
                    remaining--;
                    if (++intRead == intLength) {
                        Verdict next = onInt(field, intLength == 2 ? intValue & 0xffff : intValue);
                        if (next != Verdict.Valid.FRAME) {
                            return next;
                        }
                    }
                }
            }
        }
        return Verdict.Valid.FRAME;
    }

    /** A field was read whole: what follows it, refused as soon as the message cannot hold it. */
    private Verdict onInt(Field read, int value) {
        return switch (read) {
            case FORMAT_COUNT -> {
                formats = value;
                yield skip(2L * value, Field.PARAMETER_COUNT);
            }
            case PARAMETER_COUNT -> {
                if (formats > 1 && formats != value) {
                    yield FrontendFrames.bindFormatsMismatch(formats, value);
                }
                parametersLeft = value;
                yield nextValue();
            }
            case VALUE_LENGTH -> {
                if (value == -1) {
                    yield nextValue();
                }
                // Another negative length is no data that long, as PostgreSQL reads it.
                yield value < 0 ? FrontendFrames.INSUFFICIENT_DATA : skip(value, Field.VALUE_LENGTH);
            }
            case RESULT_COUNT -> skip(2L * value, Field.END);
            default -> throw new IllegalStateException("not an int field: " + read);
        };
    }

    private Verdict nextValue() {
        if (parametersLeft == 0) {
            return expectInt(Field.RESULT_COUNT, 2);
        }
        parametersLeft--;
        return expectInt(Field.VALUE_LENGTH, 4);
    }

    /** Skips {@code bytes}; after a value the next one's length follows, which {@link #enter} sorts out. */
    private Verdict skip(long bytes, Field then) {
        if (bytes > remaining) {
            return FrontendFrames.INSUFFICIENT_DATA;
        }
        afterSkip = then;
        if (bytes == 0) {
            return enter(then);
        }
        field = Field.SKIP;
        skipping = bytes;
        return Verdict.Valid.FRAME;
    }

    private Verdict enter(Field next) {
        return switch (next) {
            case PARAMETER_COUNT -> expectInt(Field.PARAMETER_COUNT, 2);
            case VALUE_LENGTH -> nextValue();
            case END -> {
                field = Field.END;
                // Bytes after the layout's end: known from the length word, before they arrive.
                yield remaining > 0 ? FrontendFrames.INVALID_FORMAT : Verdict.Valid.FRAME;
            }
            default -> throw new IllegalStateException("nothing follows a skip into " + next);
        };
    }

    private Verdict expectInt(Field next, int length) {
        if (remaining < length) {
            return FrontendFrames.INSUFFICIENT_DATA;
        }
        field = next;
        intLength = length;
        intRead = 0;
        intValue = 0;
        return Verdict.Valid.FRAME;
    }
}
