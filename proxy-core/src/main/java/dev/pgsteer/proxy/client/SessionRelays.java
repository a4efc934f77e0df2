package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.codec.PgFrameDecoder.StreamedTypes;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.router.session.SessionRoute;
import dev.pgsteer.router.session.SessionRouter;
import dev.pgsteer.router.tenant.TenantCommand;
import java.util.function.Function;

/**
 * Opens a logged-in session: asks the router where the whole session goes and makes its relay, or
 * says why its login is refused. Implemented above this package
 * ({@code dev.pgsteer.proxy.server.RelayFactory}), which knows every kind of relay; this package
 * knows only {@link SessionRelay}, so that it depends on none of them.
 */
@FunctionalInterface
public interface SessionRelays {

    /** Where {@code session} goes, decided on one configuration snapshot: a relay not connected yet, or a refusal. */
    Opening open(ClientSession session);

    /** A logged-in session's start: its relay, or the FATAL error that ends its login. */
    sealed interface Opening {

        /**
         * Asks {@code router} where {@code session} goes (by its user, database and startup tenant):
         * a refusal becomes the FATAL error of its login, a route the relay {@code make} makes for it.
         */
        static Opening of(ClientSession session, SessionRouter router, Function<SessionRoute.Relayed, NewRelay> make) {
            SessionRoute route = router.route(session.user(), session.database(),
                    session.settings().wanted().get(TenantCommand.SETTING));
            return switch (route) {
                case SessionRoute.Refused refused -> new Refused(ErrorResponse.of(ErrorResponse.Severity.FATAL,
                        refused.sqlState(), refused.message(), null, refused.hint()));
                case SessionRoute.Relayed relayed -> new Opened(make.apply(relayed));
            };
        }

        record Opened(NewRelay relay) implements Opening {
        }

        record Refused(ErrorResponse error) implements Opening {
        }
    }

    /**
     * A relay and how the session is to feed it. {@code loggedAs}: what the connection log says the session
     * does; {@code streamed}: the types of message it takes in pieces when they are large, passed on as they
     * are read (see PooledRelay#streams), or null when it reads every message whole.
     */
    record NewRelay(SessionRelay relay, String loggedAs, StreamedTypes streamed) {

        /** A relay that reads every message whole (a sharded session routes a Bind by its values). */
        public static NewRelay readingWhole(SessionRelay relay, String loggedAs) {
            return new NewRelay(relay, loggedAs, null);
        }
    }
}
