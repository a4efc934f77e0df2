package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;

/** {@code '3' | int32 4}: the answer to a Close, also of a statement or portal that did not exist. */
public enum CloseComplete implements EmptyBackendMessage {
    INSTANCE;

    @Override
    public Backend type() {
        return Backend.CLOSE_COMPLETE;
    }
}
