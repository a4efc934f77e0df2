package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;

/** {@code 's' | int32 4}: an Execute reached its row limit; the portal can be executed again for more. */
public enum PortalSuspended implements EmptyBackendMessage {
    INSTANCE;

    @Override
    public Backend type() {
        return Backend.PORTAL_SUSPENDED;
    }
}
