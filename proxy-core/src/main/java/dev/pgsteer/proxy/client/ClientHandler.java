package dev.pgsteer.proxy.client;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.UserConfig;
import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.FrameChunk;
import dev.pgsteer.protocol.codec.FrameHead;
import dev.pgsteer.protocol.codec.FrontendFrames;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.StreamedFrameCheck;
import dev.pgsteer.protocol.codec.Verdict;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.proxy.ProxyContext;
import dev.pgsteer.proxy.ProxyErrors;
import dev.pgsteer.proxy.admin.AdminConsole;
import dev.pgsteer.proxy.backend.BackendPool;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.PoolSettings;
import dev.pgsteer.proxy.logging.ConnectionLog;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.relay.ShardedRelay;
import dev.pgsteer.proxy.statement.StatementRelay;
import dev.pgsteer.proxy.tenant.TenantGate;
import dev.pgsteer.router.RoutePlan;
import dev.pgsteer.router.tenant.TenantCommand;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client channel: passes each message to the login or the relay, by the
 * session's phase, and turns protocol violations into FATAL 08P01. Every frame of a logged-in
 * session is checked here ({@link FrontendFrames}) before its session sees it, whichever kind of
 * session it is: a relay to one backend, a sharded session, a tenant's, or the admin console.
 */
public final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private final ProxyContext context;
    private ClientSession session;
    private ClientLogin login;
    private SessionRelay relay;
    /** The check of a large message that comes in pieces; only for sessions that take them (see streamLargeMessages). */
    private StreamedFrameCheck streamed;
    private ScheduledFuture<?> authTimeout;
    private boolean counted;

    public ClientHandler(ProxyContext context) {
        this.context = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session = new ClientSession(ctx.channel());
        login = new ClientLogin(session, context);
        counted = context.metrics().clientConnected(context.config().maxClientConnections());
        if (!counted) {
            // Refused once its startup packet is read: an error before the SSL answer confuses libpq.
            ctx.fireChannelActive();
            return;
        }
        int[] keys = context.cancels().register(() -> ctx.channel().eventLoop().execute(this::cancel));
        session.keys(keys[0], keys[1]);
        context.sessions().add(session);
        ConnectionLog.connected(session);
        long timeout = context.config().authTimeout().toMillis();
        authTimeout = ctx.executor().schedule(() -> {
            if (session.phase() == Phase.STARTUP || session.phase() == Phase.AUTHENTICATING) {
                session.terminate(ProxyErrors.authenticationTimeout());
            }
        }, timeout, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    private void cancel() {
        if (relay != null) {
            relay.cancel();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Phase phase = session.phase();
        if (log.isTraceEnabled()) {
            log.trace("{}: FE=> {} in {}", session.id(), msg, phase);
        }
        if (phase == Phase.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!counted && !(msg instanceof StartupPacket.SslRequest || msg instanceof StartupPacket.GssEncRequest)) {
            ReferenceCountUtil.release(msg);
            session.terminate(ProxyErrors.tooManyClients(context.config().maxClientConnections()));
            return;
        }
        boolean authenticated = switch (msg) {
            case StartupPacket packet -> login.onStartupPacket(packet);
            case Frame frame when phase == Phase.STARTUP || phase == Phase.AUTHENTICATING -> login.onFrame(frame);
            case Frame frame -> {
                Verdict verdict = frame instanceof FrameHead head ? streamed.head(head) : FrontendFrames.check(frame);
                if (verdict instanceof Verdict.ProtocolViolation violation) {
                    frame.release();
                    refuseFrame(violation);
                    yield false;
                }
                session.clientSent(frame.type());
                relay.onClientFrame(frame);
                yield false;
            }
            case FrameChunk chunk -> {
                // Refused in the middle, the message was partly passed on: the relay gives up its connection.
                if (streamed.chunk(chunk) instanceof Verdict.ProtocolViolation violation) {
                    chunk.release();
                    refuseFrame(violation);
                    yield false;
                }
                relay.onClientChunk(chunk);
                yield false;
            }
            default -> throw new IllegalStateException("unexpected message " + msg);
        };
        if (authenticated) {
            onAuthenticated(ctx);
        }
    }

    /**
     * A frame PostgreSQL would refuse: no session type acts on it. It ends the session with FATAL
     * 08P01, whatever PostgreSQL's severity: a frame that is not what its type says is no message to
     * route, and the frames after it in the stream cannot be trusted to be what they seem either.
     */
    private void refuseFrame(Verdict.ProtocolViolation violation) {
        log.info("{}: protocol violation: {}", session.id(), violation.message());
        session.terminate(ErrorResponse.of(ErrorResponse.Severity.FATAL, violation.sqlState(), violation.message()));
    }

    private void onAuthenticated(ChannelHandlerContext ctx) {
        authTimeout.cancel(false);
        ctx.pipeline().get(PgFrameDecoder.class).maxMessageSize(PgFrameDecoder.MAX_MESSAGE);
        if (ProxyConfig.ADMIN_DATABASE.equals(session.database())) {
            UserConfig user = context.config().users().get(session.user());
            if (user == null || !user.admin()) {
                ErrorResponse refused = ProxyErrors.notAnAdmin(session.user(), ProxyConfig.ADMIN_DATABASE);
                ConnectionLog.loginFailed(session, refused);
                session.terminate(refused);
                return;
            }
            relay = new AdminConsole(session, context);
            ConnectionLog.authenticated(session, "admin console");
            relay.connect();
            return;
        }
        if (startTenantSession()) {
            return;
        }
        Optional<RoutePlan> plan = context.router().route(session.database());
        if (plan.isEmpty()) {
            ErrorResponse unknown = ProxyErrors.unknownDatabase(session.database());
            ConnectionLog.loginFailed(session, unknown);
            session.terminate(unknown);
            return;
        }
        DatabaseConfig database = context.config().database(session.database()).orElseThrow();
        ShardedDatabase sharded = context.sharded().get(database.name());
        if (sharded != null) {
            relay = new ShardedRelay(session, sharded);
            ConnectionLog.authenticated(session, "routing over shards " + database.shards());
            relay.connect();
            return;
        }
        BackendPool pool = poolFor((RoutePlan.SingleBackend) plan.get(), database);
        relay = new ClientRelay(session, pool, database.pool().mode(), context.metrics(),
                new StatementRelay(context.statements(),
                        session.settings()::wanted, session.settings()::version), context.slowStatements());
        streamLargeMessages();
        ConnectionLog.authenticated(session, "relaying to " + pool.target().poolName());
        relay.connect();
    }

    /**
     * A session of a tenant database (one with {@code tenancy:}), or of a database name that is a
     * tenant's id: its statements go where its tenant's data is. False when the session is not one.
     */
    private boolean startTenantSession() {
        ProxyConfig config = context.config();
        UserConfig user = config.users().get(session.user());
        String pinned = user == null ? null : user.tenant();
        DatabaseConfig database = config.databases().get(session.database());
        if (database == null) {
            var mapped = context.tenants().find(session.database());
            if (mapped.isPresent()) {
                database = config.databases().get(mapped.get().database());
                if (pinned == null) {
                    pinned = mapped.get().id();
                } else if (!pinned.equals(mapped.get().id())) {
                    refuseLogin(ProxyErrors.fatal(SqlState.INSUFFICIENT_PRIVILEGE, "user \"" + session.user()
                            + "\" may only use tenant \"" + pinned + "\", not \"" + mapped.get().id() + "\""));
                    return true;
                }
            }
        }
        if (database == null || !database.isTenanted()) {
            if (pinned != null) {
                var tenant = context.tenants().find(pinned);
                refuseLogin(ProxyErrors.fatal(SqlState.INSUFFICIENT_PRIVILEGE, "user \"" + session.user()
                        + "\" is pinned to tenant \"" + pinned + "\" and may only connect to "
                        + tenant.map(t -> "its database \"" + t.database() + "\"").orElse("its tenant's database")));
                return true;
            }
            return false;
        }
        String atStartup = session.settings().takeStartup(TenantCommand.SETTING);
        var gate = new TenantGate(session, context.tenants(), database, pinned, atStartup,
                session.channel().alloc());
        var refusal = gate.loginRefusal();
        if (refusal != null) {
            refuseLogin(refusal);
            return true;
        }
        relay = new ClientRelay(session, gate, database.pool().mode(), context.metrics(),
                new StatementRelay(context.statements(),
                        session.settings()::wanted, session.settings()::version), context.slowStatements());
        streamLargeMessages();
        ConnectionLog.authenticated(session, "tenant database " + database.name()
                + (atStartup != null ? ", tenant " + atStartup : pinned != null ? ", tenant " + pinned : ", no tenant named yet"));
        relay.connect();
        return true;
    }

    /**
     * A session relayed to one connection at a time takes large Binds and CopyData in pieces, passed
     * on as they are read (see ClientRelay#streams). Sharded sessions read every message whole: a Bind
     * is routed by its values.
     */
    private void streamLargeMessages() {
        streamed = new StreamedFrameCheck();
        session.channel().pipeline().get(PgFrameDecoder.class).streamLarge(PgFrameDecoder.STREAM_ABOVE, ClientRelay::streams);
    }

    private void refuseLogin(ErrorResponse refusal) {
        ConnectionLog.loginFailed(session, refusal);
        session.terminate(refusal);
    }

    private BackendPool poolFor(RoutePlan.SingleBackend plan, DatabaseConfig database) {
        BackendConfig backend = context.config().backends().get(plan.backend());
        BackendTarget target = new BackendTarget(plan.backend(), backend.url().host(), backend.url().port(),
                backend.url().user(), backend.url().password(), plan.database());
        var pool = database.pool();
        return context.pools().poolFor(target, new PoolSettings(pool.size(), pool.minIdle(), pool.acquireTimeout(),
                pool.idleTimeout(), pool.maxLifetime()));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (relay != null) {
            relay.onClientReadComplete();
        }
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (relay != null) {
            relay.onClientWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (authTimeout != null) {
            authTimeout.cancel(false);
        }
        if (relay != null) {
            relay.onClientClosed();
        }
        session.phase(Phase.CLOSED);
        if (counted) {
            ConnectionLog.disconnected(session, session.endedBy());
            context.sessions().remove(session);
            context.cancels().unregister(session.processId());
            context.metrics().clientDisconnected();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolViolationException violation) {
            log.info("{}: protocol violation: {}", session.id(), violation.getMessage());
            session.terminate(ErrorResponse.of(ErrorResponse.Severity.FATAL, violation.sqlState(), violation.getMessage()));
        } else if (root instanceof IOException) {
            log.debug("{}: {}", session.id(), root.toString());
            ctx.close();
        } else {
            log.warn("{}: internal error", session.id(), root);
            session.terminate(ProxyErrors.fatal(SqlState.INTERNAL_ERROR, "internal error in pgsteer: " + root));
        }
    }
}
