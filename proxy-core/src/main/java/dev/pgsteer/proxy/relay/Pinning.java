package dev.pgsteer.proxy.relay;

import dev.pgsteer.config.PoolMode;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the session keeps its connection between transactions: under session pooling always;
 * under transaction pooling once it changed something on its connection that pgsteer does not
 * carry to another one (a setting the backend does not report, LISTEN), which the
 * {@link ConnectionStateWatch} finds in the statements it is shown.
 */
final class Pinning {
    private static final Logger log = LoggerFactory.getLogger(Pinning.class);

    private final ClientSession session;
    private final PoolMode mode;
    private final ConnectionStateWatch watch;
    private final StatementRelay statements;
    private final ProxyMetrics metrics;
    private final Lease lease;
    /** The settings the backend reports (ParameterStatus), as the login's connection told them. */
    private Map<String, String> reported = Map.of();

    Pinning(ClientSession session, PoolMode mode, ConnectionStateWatch watch, StatementRelay statements,
            ProxyMetrics metrics, Lease lease) {
        this.session = session;
        this.mode = mode;
        this.watch = watch;
        this.statements = statements;
        this.metrics = metrics;
        this.lease = lease;
    }

    /** The parameters the backend reports, as the login's connection told them: changes to them follow the session. */
    void reported(Map<String, String> loginParameters) {
        reported = Map.copyOf(loginParameters);
    }

    boolean keepsConnection() {
        return mode == PoolMode.SESSION || watch.pinned();
    }

    /** A Query, Parse or FunctionCall on its way: returns whether its text pinned the session. */
    boolean onStatement(Frame frame) {
        return pinnedBy(watch.onStatement(frame, reported, session.settings().backslashQuotes()));
    }

    /** A Bind on its way (of a statement whose text may pin the session when it runs). */
    void onBind(Frame bind) {
        pinnedBy(watch.onBind(bind));
    }

    /**
     * The session changed something on its connection that pgsteer does not carry to another one:
     * from now on it keeps this connection. Returns whether {@code reason} was one.
     */
    boolean pinnedBy(String reason) {
        if (reason == null) {
            return false;
        }
        session.markPinned(reason);
        statements.sessionPinned();
        metrics.sessionPinned();
        log.info("{}: pinned to {} by {}", session.id(), lease.held() ? lease.connection() : "its next connection", reason);
        return true;
    }

    /** The session ended. */
    void sessionEnded() {
        if (watch.pinned()) {
            metrics.pinnedSessionEnded();
        }
    }
}
