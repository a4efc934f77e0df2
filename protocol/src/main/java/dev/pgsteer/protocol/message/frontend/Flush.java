package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;

/** {@code 'H' | int32 4}: asks the server to send what it has so far, without ending the batch as a Sync would. */
public enum Flush implements EmptyFrontendMessage {
    INSTANCE;

    @Override
    public Frontend type() {
        return Frontend.FLUSH;
    }
}
