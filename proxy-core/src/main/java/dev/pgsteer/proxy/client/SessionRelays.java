package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.codec.PgFrameDecoder.StreamedTypes;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.router.session.SessionRoute;

/**
 * Makes the relay of a session the router let in. Implemented above this package
 * ({@code dev.pgsteer.proxy.runtime.RelayFactory}), which knows every kind of relay; this package knows
 * only {@link SessionRelay}, so that it depends on none of them.
 */
@FunctionalInterface
public interface SessionRelays {

    /**
     * The relay of {@code session}, made as {@code route} says and not connected yet; {@code snapshot}: the
     * configuration the route was decided on.
     */
    NewRelay relayFor(ClientSession session, SessionRoute.Relayed route, ProxyContext.Snapshot snapshot);

    /**
     * A relay and how the session is to feed it. {@code loggedAs}: what the connection log says the session
     * does; {@code streamed}: the types of message it takes in pieces when they are large, passed on as they
     * are read (see ClientRelay#streams), or null when it reads every message whole.
     */
    record NewRelay(SessionRelay relay, String loggedAs, StreamedTypes streamed) {

        /** A relay that reads every message whole (a sharded session routes a Bind by its values). */
        public static NewRelay readingWhole(SessionRelay relay, String loggedAs) {
            return new NewRelay(relay, loggedAs, null);
        }
    }
}
