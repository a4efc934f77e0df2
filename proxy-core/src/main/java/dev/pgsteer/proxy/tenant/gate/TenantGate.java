package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.StatementFrames;
import dev.pgsteer.protocol.codec.Wire;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.SessionGate;
import dev.pgsteer.proxy.client.SessionSettings;
import dev.pgsteer.router.tenant.ChannelRewriter;
import dev.pgsteer.router.tenant.TenantCommand;
import dev.pgsteer.router.tenant.TenantComment;
import dev.pgsteer.router.tenant.TenantlessStatements;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One session's tenant, frame by frame. The tenant of a statement is, in order: the
 * {@code /* tenant=... *}{@code /} comment at its head; the session's {@code SET pgsteer.tenant};
 * the startup option {@code -c pgsteer.tenant=...}; the tenant the user is pinned to or the
 * database name maps to. A pinned user cannot name another. Statements the tenant may not run
 * (see {@code TenantGuard}), statements that need a tenant in a session that has none, and tenant
 * switches inside a transaction are replaced by a statement raising the error, so that the client
 * gets it where that statement's answer belongs.
 */
public final class TenantGate implements SessionGate {
    private static final byte QUERY = 'Q';
    private static final byte PARSE = 'P';
    private static final byte BIND = 'B';
    private static final byte SYNC = 'S';
    private static final byte FUNCTION_CALL = 'F';
    /** pg_notify(text, text) in pg_catalog (a fixed OID in every PostgreSQL since 9.0). */
    private static final int PG_NOTIFY_OID = 3036;
    private static final String UNSET = "SET pgsteer.tenant TO DEFAULT";

    private final ClientSession session;
    private final TenantTargets tenants;
    private final DatabaseConfig database;
    private final ByteBufAllocator alloc;
    /** The tenant of the user (pinned) or of the database name, and of the startup options. */
    private final String pinned;
    private final String atStartup;
    /** What SET pgsteer.tenant chose; null: the startup tenant. */
    private String chosen;
    /** Statements prepared under a comment naming a tenant run for that tenant whenever they are bound. */
    private final Map<String, String> statementTenants = new HashMap<>();
    /** Statements the client prepared that pgsteer replaced by one raising an error: their Binds go along. */
    private final Set<String> refusedStatements = new HashSet<>();
    /** The target of the Parse or Bind that opened the extended-protocol batch going on, until its Sync. */
    private TenantTarget batch;
    /** The target of the first Parse or Bind of that batch: a later one for another target switches inside it. */
    private TenantTarget batchOpenedOn;
    private TenantTarget current;
    private TenantTarget active;

    public TenantGate(ClientSession session, TenantTargets tenants, DatabaseConfig database, String pinned, String atStartup,
                      ByteBufAllocator alloc) {
        this.session = session;
        this.tenants = tenants;
        this.database = database;
        this.pinned = pinned;
        this.atStartup = atStartup;
        this.alloc = alloc;
    }

    /** The tenant a session logging in with these names starts with; null if none. */
    String sessionTenant() {
        if (chosen != null) {
            return chosen;
        }
        return atStartup != null ? atStartup : pinned;
    }

    @Override
    public Target initial() {
        current = sessionTarget();
        return current;
    }

    /** The session's own target; the anonymous one when it names no tenant or its tenant is gone. */
    private TenantTarget sessionTarget() {
        String tenant = sessionTenant();
        if (tenant == null) {
            return tenants.anonymous(database);
        }
        return tenants.target(tenant).orElseGet(() -> tenants.anonymous(database));
    }

    @Override
    public Admitted admit(Frame frame) {
        byte type = frame.type();
        Admitted admitted = switch (type) {
            case QUERY -> statement(frame, StatementText.ofQuery(frame), null);
            case PARSE -> {
                String name = StatementFrames.parseName(frame);
                refusedStatements.remove(name);
                Admitted a = statement(frame, StatementText.ofParse(frame), name);
                openBatch((TenantTarget) a.target());
                yield a;
            }
            case BIND -> {
                if (statementTenants.isEmpty() && refusedStatements.isEmpty()) {
                    // The common case: no statement was prepared under a comment or refused, so
                    // the Bind runs where its Parse did; its statement name need not be read.
                    TenantTarget target = batch != null ? batch : sessionTarget();
                    Admitted a = checked(frame, target, null);
                    batch = (TenantTarget) a.target();
                    yield a;
                }
                String statement = StatementFrames.bindStatement(frame);
                if (refusedStatements.contains(statement)) {
                    Admitted a = new Admitted(frame, current != null ? current : sessionTarget());
                    openBatch((TenantTarget) a.target());
                    yield a;
                }
                String tenant = statementTenants.get(statement);
                TenantTarget target = tenant == null ? (batch != null ? batch : sessionTarget()) : tenants.target(tenant).orElse(null);
                Admitted a = target == null ? refuse(frame, TenantErrors.unknownTenant(tenant)) : checked(frame, target, null);
                openBatch((TenantTarget) a.target());
                yield a;
            }
            case SYNC -> {
                batch = null;
                batchOpenedOn = null;
                yield new Admitted(frame, current != null ? current : sessionTarget());
            }
            case FUNCTION_CALL -> functionCall(frame, sessionTarget());
            // Describe, Execute, Close, Flush, COPY data: they belong to the statement before them.
            default -> new Admitted(frame, current != null ? current : sessionTarget());
        };
        current = (TenantTarget) admitted.target();
        return admitted;
    }

    private void openBatch(TenantTarget target) {
        if (batch == null) {
            batchOpenedOn = target;
        }
        batch = target;
    }

    private Admitted statement(Frame frame, String sql, String parseName) {
        var command = TenantCommand.parse(sql);
        if (command.isPresent()) {
            return command(frame, command.get(), parseName);
        }
        String named = TenantComment.of(sql);
        TenantTarget target;
        if (named != null) {
            if (pinned != null && !pinned.equals(named)) {
                return refuse(frame, TenantErrors.pinned(session.user(), pinned, named));
            }
            var found = tenants.target(named);
            if (found.isEmpty()) {
                return refuse(frame, TenantErrors.unknownTenant(named));
            }
            target = found.get();
        } else {
            String tenant = sessionTenant();
            if (tenant == null) {
                target = tenants.anonymous(database);
            } else {
                var found = tenants.target(tenant);
                if (found.isEmpty()) {
                    return refuse(frame, TenantErrors.unknownTenant(tenant));
                }
                target = found.get();
            }
        }
        if (parseName != null) {
            if (named != null) {
                statementTenants.put(parseName, named);
            } else {
                statementTenants.remove(parseName);
            }
        }
        if (target.tenant() == null && !TenantlessStatements.allowed(sql)) {
            return refuse(frame, TenantErrors.noTenant(database.name()));
        }
        return inOwnChannels(checked(frame, target, sql), frame, sql);
    }

    /** An admitted statement, with the LISTEN/NOTIFY channels it names put in its tenant's namespace. */
    private Admitted inOwnChannels(Admitted admitted, Frame frame, String sql) {
        if (admitted.first() != frame || admitted.second() != null) {
            return admitted; // refused: nothing of the client's statement runs
        }
        return switch (ChannelNamespace.rewrite(frame, sql, (TenantTarget) admitted.target(), backslashQuotes())) {
            case ChannelRewriter.Rewrite.Unchanged unchanged -> admitted;
            case ChannelRewriter.Rewrite.Rewritten rewritten ->
                    new Admitted(ChannelNamespace.withText(frame, rewritten.sql(), alloc), admitted.target());
            case ChannelRewriter.Rewrite.Refused refused ->
                    refuse(frame, new TenantErrors(refused.sqlState(), refused.message(), refused.hint()));
        };
    }

    private boolean backslashQuotes() {
        return session.settings().backslashQuotes();
    }

    @Override
    public Frame fromBackend(Frame frame) {
        return frame.type() == ChannelNamespace.NOTIFICATION ? ChannelNamespace.toClient(frame, active, alloc) : frame;
    }

    /** The checks every statement passes on its target: not moving, no switch inside a transaction, the guard. */
    private Admitted checked(Frame frame, TenantTarget target, String sql) {
        if (inTransaction() && current != null && target != current && sameTenant(target, current)) {
            // The directory changed during the transaction: it ends where it began.
            target = current;
        }
        if (target.moving()) {
            return refuse(frame, TenantErrors.moving(target.id()));
        }
        if (inTransaction() && current != null && target != current && !sameTenant(target, current)) {
            return refuse(frame, TenantErrors.switchInTransaction(label(current), label(target)));
        }
        if (sql != null) {
            var settings = session.settings().wanted();
            String encoding = target.guard().encodingRefusal(settings.get("client_encoding"), sql);
            if (encoding != null) {
                return refuse(frame, TenantErrors.unsafeEncoding(encoding));
            }
            String refusal = target.guard().check(sql, SessionSettings.backslashQuotes(settings));
            if (refusal != null) {
                return refuse(frame, TenantErrors.refused(refusal));
            }
        }
        return new Admitted(frame, target);
    }

    /** A FunctionCall names its function by OID, without SQL to read: the guard judges the OID. */
    private Admitted functionCall(Frame frame, TenantTarget target) {
        ByteBuf body = frame.body();
        int oid = body.readableBytes() >= 4 ? body.getInt(body.readerIndex()) : 0;
        if (oid == PG_NOTIFY_OID && ChannelNamespace.of(target) != null) {
            // Its channel is a value pgsteer does not read in a FunctionCall: it could not be put in
            // the tenant's namespace, and would reach another tenant's listeners.
            return refuse(frame, new TenantErrors("0A000", "pg_notify through the FunctionCall message is not supported for a "
                    + "tenant that shares its backend database", "call pg_notify() in SQL, or use NOTIFY"));
        }
        String refusal = body.readableBytes() >= 4 ? target.guard().functionCallRefusal(oid) : null;
        return refusal != null ? refuse(frame, TenantErrors.refused(refusal)) : checked(frame, target, null);
    }

    private static boolean sameTenant(TenantTarget a, TenantTarget b) {
        return a.id() != null && a.id().equals(b.id());
    }

    private boolean inTransaction() {
        return session.transactionStatus() != TransactionStatus.IDLE;
    }

    private Admitted command(Frame frame, TenantCommand command, String parseName) {
        TenantTarget here = current != null ? current : sessionTarget();
        return switch (command) {
            case TenantCommand.Show show -> {
                String tenant = sessionTenant();
                String sql = "SELECT " + (tenant == null ? "''" : "'" + tenant + "'") + "::text AS \"pgsteer.tenant\"";
                yield new Admitted(replace(frame, sql, parseName), here);
            }
            case TenantCommand.Reset reset -> choose(frame, null, parseName, here);
            case TenantCommand.Set set -> choose(frame, set.tenant(), parseName, here);
        };
    }

    private Admitted choose(Frame frame, String tenant, String parseName, TenantTarget here) {
        String effective = tenant != null ? tenant : atStartup != null ? atStartup : pinned;
        if (tenant != null && pinned != null && !pinned.equals(tenant)) {
            return refuse(frame, TenantErrors.pinned(session.user(), pinned, tenant));
        }
        if (effective != null && tenants.target(effective).isEmpty()) {
            return refuse(frame, TenantErrors.unknownTenant(effective));
        }
        String before = sessionTenant();
        if (inTransaction() && !Objects.equals(before, effective)) {
            return refuse(frame, TenantErrors.switchInTransaction(before == null ? TenantErrors.NO_TENANT_LABEL : before, effective == null ? TenantErrors.NO_TENANT_LABEL : effective));
        }
        chosen = tenant;
        return new Admitted(replace(frame, UNSET, parseName), null, here, true);
    }

    private static String label(TenantTarget target) {
        return target.id() == null ? TenantErrors.NO_TENANT_LABEL : target.id();
    }

    @Override
    public Admitted refuseSwitch(Admitted admitted, Target held) {
        if (admitted.second() != null || !isStatement(admitted.first())) {
            // Already an error (a refused Bind), or a message that only follows a statement: it runs where it is.
            return new Admitted(admitted.first(), admitted.second(), held, false);
        }
        TenantTarget wanted = (TenantTarget) admitted.target();
        TenantTarget holding = (TenantTarget) held;
        // An extended-protocol batch runs up to its Sync as one (implicit) transaction.
        boolean midBatch = batchOpenedOn != null && batchOpenedOn != wanted;
        TenantErrors error = inTransaction() || midBatch ? TenantErrors.switchInTransaction(label(holding), label(wanted))
                : TenantErrors.switchPinned(label(holding), label(wanted));
        Admitted refused = refuse(admitted.first(), error);
        return new Admitted(refused.first(), refused.second(), held, false);
    }

    private static boolean isStatement(Frame frame) {
        byte type = frame.type();
        return type == QUERY || type == PARSE || type == BIND || type == FUNCTION_CALL;
    }

    /** The frame in place of {@code frame} that raises {@code error}; a Bind gets a Parse of it before. */
    private Admitted refuse(Frame frame, TenantErrors error) {
        TenantTarget here = current != null ? current : sessionTarget();
        String raise = RaisingStatement.sql(error);
        return switch (frame.type()) {
            case QUERY -> {
                frame.release();
                yield new Admitted(StatementText.query(alloc, raise), here);
            }
            case PARSE -> {
                String name = StatementFrames.parseName(frame);
                refusedStatements.add(name);
                String sql = StatementText.ofParse(frame);
                int parameters = Math.max(StatementText.declaredParameters(frame), StatementText.highestParameter(sql));
                frame.release();
                yield new Admitted(StatementText.parse(alloc, name, raise, parameters), here);
            }
            case FUNCTION_CALL -> {
                // A failing function call is answered as a failing query is: ErrorResponse, ReadyForQuery.
                frame.release();
                yield new Admitted(StatementText.query(alloc, raise), here);
            }
            case BIND -> {
                int parameters = bindParameters(frame);
                Frame parse = StatementText.parse(alloc, "", raise, parameters);
                ByteBuf renamed = StatementFrames.renameBind(alloc, frame, "");
                // A streamed Bind stays a head: the rest of its values still follows it.
                Frame bind = frame.replace(renamed);
                yield new Admitted(parse, bind, here, false);
            }
            default -> new Admitted(frame, here);
        };
    }

    /** {@code 'B' | portal\0 | statement\0 | int16 nf | nf x int16 | int16 n | ...}: n. */
    private static int bindParameters(Frame bind) {
        ByteBuf body = bind.body();
        Wire.readCString(body);
        Wire.readCString(body);
        int formats = body.readUnsignedShort();
        body.skipBytes(formats * 2);
        return body.readUnsignedShort();
    }

    private Frame replace(Frame frame, String sql, String parseName) {
        if (frame.type() == QUERY) {
            frame.release();
            return StatementText.query(alloc, sql);
        }
        int parameters = StatementText.declaredParameters(frame);
        frame.release();
        return StatementText.parse(alloc, parseName, sql, parameters);
    }

    @Override
    public void activate(Target target) {
        TenantTarget next = (TenantTarget) target;
        if (next == active) {
            return;
        }
        var settings = session.settings();
        if (active != null) {
            active.settings().keySet().forEach(name -> {
                if (!next.settings().containsKey(name)) {
                    settings.remove(name);
                }
            });
        }
        next.settings().forEach(settings::set);
        settings.ownerSettings(next.settings().keySet());
        active = next;
    }
}
