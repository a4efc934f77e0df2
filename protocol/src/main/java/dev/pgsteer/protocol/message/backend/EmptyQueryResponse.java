package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;

/** {@code 'I' | int32 4}: the answer to an empty query string, in place of CommandComplete. */
public enum EmptyQueryResponse implements EmptyBackendMessage {
    INSTANCE;

    @Override
    public Backend type() {
        return Backend.EMPTY_QUERY_RESPONSE;
    }
}
