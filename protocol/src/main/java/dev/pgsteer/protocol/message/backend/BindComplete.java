package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;

/** {@code '2' | int32 4}: the answer to a Bind. */
public enum BindComplete implements EmptyBackendMessage {
    INSTANCE;

    @Override
    public Backend type() {
        return Backend.BIND_COMPLETE;
    }
}
