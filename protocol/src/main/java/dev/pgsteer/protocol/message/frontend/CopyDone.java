package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;

/**
 * {@code 'c' | int32 4}: the end of COPY data. A server ends COPY TO STDOUT with the same bytes
 * ({@link dev.pgsteer.protocol.message.MessageType.Backend#COPY_DONE}).
 */
public enum CopyDone implements EmptyFrontendMessage {
    INSTANCE;

    @Override
    public Frontend type() {
        return Frontend.COPY_DONE;
    }
}
