package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;

/** {@code '1' | int32 4}: the answer to a Parse. */
public enum ParseComplete implements EmptyBackendMessage {
    INSTANCE;

    @Override
    public Backend type() {
        return Backend.PARSE_COMPLETE;
    }
}
