package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.SessionGate;
import dev.pgsteer.router.tenant.TenantComment;
import io.netty.buffer.ByteBufAllocator;

/**
 * One session's tenant, frame by frame. The tenant of a statement is, in order: the
 * {@code /* tenant=... *}{@code /} comment at its head; the session's {@code SET pgsteer.tenant};
 * the startup option {@code -c pgsteer.tenant=...}; the tenant the user is pinned to or the
 * database name maps to. A pinned user cannot name another. Statements the tenant may not run
 * (see {@code TenantGuard}), statements that need a tenant in a session that has none, and tenant
 * switches inside a transaction are replaced by a statement raising the error, so that the client
 * gets it where that statement's answer belongs.
 *
 * <p>This class sorts the frames: a statement's text goes to {@link StatementAdmission}, a switch of
 * tenant to {@link TenantSwitch}; it keeps what the extended protocol spreads over several frames (the
 * batch up to Sync, {@link ExtendedBatch}; the statements prepared for a tenant, {@link PreparedTenants})
 * and the target of the session's latest frame, where the messages that follow a statement run.
 */
public final class TenantGate implements SessionGate {
    private final SessionTenant tenant;
    private final PreparedTenants prepared = new PreparedTenants();
    private final ExtendedBatch batch = new ExtendedBatch();
    private final TenantSwitch switching;
    private final StatementAdmission admission;
    private final ActiveTarget active;
    private final ClientSession session;
    private final TenantHolds holds;
    /** The target of the session's latest frame; null before the first. */
    private TenantTarget current;

    public TenantGate(ClientSession session, TenantTargets tenants, DatabaseConfig database, String pinned, String atStartup,
                      ByteBufAllocator alloc) {
        this(session, tenants, database, pinned, atStartup, alloc, TenantHolds.NONE);
    }

    public TenantGate(ClientSession session, TenantTargets tenants, DatabaseConfig database, String pinned, String atStartup,
                      ByteBufAllocator alloc, TenantHolds holds) {
        this.session = session;
        this.holds = holds;
        this.tenant = new SessionTenant(tenants, database, pinned, atStartup);
        var substitutes = new SubstituteFrames(alloc, prepared);
        this.switching = new TenantSwitch(session, tenant, substitutes, batch);
        this.admission = new StatementAdmission(session, tenant, prepared, substitutes, switching, alloc);
        this.active = new ActiveTarget(session, alloc);
    }

    @Override
    public Target initial() {
        current = tenant.target();
        return current;
    }

    @Override
    public Admitted admit(Frame frame) {
        Admitted admitted = switch (Frontend.of(frame.type())) {
            case QUERY -> admission.statement(frame, StatementText.ofQuery(frame), null, current);
            case PARSE -> parse(frame);
            case BIND -> bind(frame);
            case SYNC -> {
                batch.end();
                yield new Admitted(frame, admission.here(current));
            }
            case FUNCTION_CALL -> admission.functionCall(frame, tenant.target(), current);
            // Describe, Execute, Close, Flush, COPY data: they belong to the statement before them.
            default -> new Admitted(frame, admission.here(current));
        };
        current = (TenantTarget) admitted.target();
        return admitted;
    }

    /**
     * A statement that begins something (a Query; a Parse, Bind or FunctionCall outside an extended batch)
     * outside a transaction waits while a move of its tenant (named by its comment, else the session's)
     * holds the tenant's statements. All of them, reads too: they are relayed unparsed, and a SELECT
     * may write (a function). A transaction already open is not held: it may have written already, and
     * the move's fence on the source waits for it to end (or fails its next write with 40001).
     */
    @Override
    public Hold holdBefore(Frame frame) {
        if (!holds.active()) {
            return null;
        }
        Frontend type = Frontend.of(frame.type());
        boolean begins = switch (type) {
            case QUERY -> true;
            case PARSE, BIND, FUNCTION_CALL -> batch.latest() == null;
            default -> false;
        };
        if (!begins || TenantSwitch.inTransaction(session)) {
            return null;
        }
        String named = switch (type) {
            case QUERY -> TenantComment.of(StatementText.ofQuery(frame));
            case PARSE -> TenantComment.of(StatementText.ofParse(frame));
            default -> null;
        };
        String id = named != null ? named : tenant.name();
        return id == null ? null : holds.hold(tenant.database().name(), id);
    }

    private Admitted parse(Frame frame) {
        String name = StatementFrames.parseName(frame);
        prepared.parsing(name);
        Admitted admitted = admission.statement(frame, StatementText.ofParse(frame), name, current);
        batch.open((TenantTarget) admitted.target());
        return admitted;
    }

    private Admitted bind(Frame frame) {
        if (prepared.none()) {
            // The common case: no statement was prepared under a comment or refused, so the Bind
            // runs where its Parse did; its statement name need not be read.
            TenantTarget target = batch.latest() != null ? batch.latest() : tenant.target();
            Admitted admitted = admission.checked(frame, target, null, current);
            batch.follow((TenantTarget) admitted.target());
            return admitted;
        }
        String statement = StatementFrames.bindStatement(frame);
        Admitted admitted;
        if (prepared.isRefused(statement)) {
            admitted = new Admitted(frame, admission.here(current));
        } else {
            String preparedFor = prepared.tenantOf(statement);
            TenantTarget target = preparedFor == null ? (batch.latest() != null ? batch.latest() : tenant.target())
                    : tenant.tenants().target(preparedFor).orElse(null);
            admitted = target == null ? admission.refuse(frame, TenantErrors.unknownTenant(preparedFor), current)
                    : admission.checked(frame, target, null, current);
        }
        batch.open((TenantTarget) admitted.target());
        return admitted;
    }

    @Override
    public Frame fromBackend(Frame frame) {
        return active.fromBackend(frame);
    }

    @Override
    public Admitted refuseSwitch(Admitted admitted, Target held) {
        return switching.refuse(admitted, (TenantTarget) held);
    }

    @Override
    public void activate(Target target) {
        active.activate((TenantTarget) target);
    }
}
