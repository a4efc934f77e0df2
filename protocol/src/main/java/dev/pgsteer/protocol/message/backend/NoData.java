package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;

/** {@code 'n' | int32 4}: what a Describe gets for a statement that returns no rows. */
public enum NoData implements EmptyBackendMessage {
    INSTANCE;

    @Override
    public Backend type() {
        return Backend.NO_DATA;
    }
}
