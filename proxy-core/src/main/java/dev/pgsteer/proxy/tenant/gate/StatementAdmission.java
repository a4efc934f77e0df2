package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.protocol.message.frontend.FunctionCall;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.SessionGate.Admitted;
import dev.pgsteer.proxy.client.SessionSettings;
import dev.pgsteer.router.tenant.ChannelRewriter;
import dev.pgsteer.router.tenant.TenantCommand;
import dev.pgsteer.router.tenant.TenantComment;
import dev.pgsteer.router.tenant.TenantlessStatements;
import io.netty.buffer.ByteBufAllocator;

/**
 * Whether a statement runs, and on which tenant's target: the tenant its head comment names, else
 * the session's ({@link SessionTenant}); then the checks every statement passes there (the tenant is
 * not moving, no switch inside a transaction, the {@code TenantGuard}), and its LISTEN/NOTIFY channels
 * put in the tenant's namespace. A statement refused is replaced by one raising the error
 * ({@link SubstituteFrames}); {@code SET/RESET/SHOW pgsteer.tenant} go to {@link TenantSwitch}.
 *
 * <p>{@code current}, passed in: the target of the session's previous frame, null before the first.
 */
final class StatementAdmission {
    /** pg_notify(text, text) in pg_catalog (a fixed OID in every PostgreSQL since 9.0). */
    private static final int PG_NOTIFY_OID = 3036;

    private final ClientSession session;
    private final SessionTenant tenant;
    private final PreparedTenants prepared;
    private final SubstituteFrames substitutes;
    private final TenantSwitch switching;
    private final ByteBufAllocator alloc;

    StatementAdmission(ClientSession session, SessionTenant tenant, PreparedTenants prepared, SubstituteFrames substitutes,
                       TenantSwitch switching, ByteBufAllocator alloc) {
        this.session = session;
        this.tenant = tenant;
        this.prepared = prepared;
        this.substitutes = substitutes;
        this.switching = switching;
        this.alloc = alloc;
    }

    /** A Query, or a Parse named {@code parseName}, of {@code sql}. */
    Admitted statement(Frame frame, String sql, String parseName, TenantTarget current) {
        var command = TenantCommand.parse(sql);
        if (command.isPresent()) {
            return switching.command(frame, command.get(), parseName, here(current));
        }
        String named = TenantComment.of(sql);
        TenantTarget target;
        if (named != null) {
            if (tenant.pinnedElsewhere(named)) {
                return refuse(frame, TenantErrors.pinned(session.user(), tenant.pinned(), named), current);
            }
            var found = tenant.tenants().target(named);
            if (found.isEmpty()) {
                return refuse(frame, TenantErrors.unknownTenant(named), current);
            }
            target = found.get();
        } else {
            String name = tenant.name();
            if (name == null) {
                target = tenant.tenants().anonymous(tenant.database());
            } else {
                var found = tenant.tenants().target(name);
                if (found.isEmpty()) {
                    return refuse(frame, TenantErrors.unknownTenant(name), current);
                }
                target = found.get();
            }
        }
        if (parseName != null) {
            prepared.prepared(parseName, named);
        }
        if (target.tenant() == null && !TenantlessStatements.allowed(sql)) {
            return refuse(frame, TenantErrors.noTenant(tenant.database().name()), current);
        }
        return inOwnChannels(checked(frame, target, sql, current), frame, sql, current);
    }

    /** An admitted statement, with the LISTEN/NOTIFY channels it names put in its tenant's namespace. */
    private Admitted inOwnChannels(Admitted admitted, Frame frame, String sql, TenantTarget current) {
        if (admitted.first() != frame || admitted.second() != null) {
            return admitted; // refused: nothing of the client's statement runs
        }
        boolean backslashQuotes = session.settings().backslashQuotes();
        return switch (ChannelNamespace.rewrite(frame, sql, (TenantTarget) admitted.target(), backslashQuotes)) {
            case ChannelRewriter.Rewrite.Unchanged unchanged -> admitted;
            case ChannelRewriter.Rewrite.Rewritten rewritten ->
                    new Admitted(ChannelNamespace.withText(frame, rewritten.sql(), alloc), admitted.target());
            case ChannelRewriter.Rewrite.Refused refused ->
                    refuse(frame, new TenantErrors(refused.sqlState(), refused.message(), refused.hint()), current);
        };
    }

    /**
     * The checks every statement passes on its target: not moving, no switch inside a transaction, the
     * guard ({@code sql} null: a Bind or FunctionCall, whose statement was judged at its Parse or by OID).
     */
    Admitted checked(Frame frame, TenantTarget target, String sql, TenantTarget current) {
        boolean inTransaction = TenantSwitch.inTransaction(session);
        if (inTransaction && current != null && target != current && target.sameTenantAs(current)) {
            // The directory changed during the transaction: it ends where it began.
            target = current;
        }
        if (target.moving()) {
            return refuse(frame, TenantErrors.moving(target.id()), current);
        }
        if (inTransaction && current != null && target != current && !target.sameTenantAs(current)) {
            return refuse(frame, TenantErrors.switchInTransaction(current.label(), target.label()), current);
        }
        if (sql != null) {
            var settings = session.settings().wanted();
            String encoding = target.guard().encodingRefusal(settings.get("client_encoding"), sql);
            if (encoding != null) {
                return refuse(frame, TenantErrors.unsafeEncoding(encoding), current);
            }
            String refusal = target.guard().check(sql, SessionSettings.backslashQuotes(settings));
            if (refusal != null) {
                return refuse(frame, TenantErrors.refused(refusal), current);
            }
        }
        return new Admitted(frame, target);
    }

    /** A FunctionCall names its function by OID, without SQL to read: the guard judges the OID. */
    Admitted functionCall(Frame frame, TenantTarget target, TenantTarget current) {
        // The frame passed FrontendFrames' checks: it holds an OID.
        int oid = FunctionCall.of(frame).functionOid();
        if (oid == PG_NOTIFY_OID && ChannelNamespace.of(target) != null) {
            // Its channel is a value pgsteer does not read in a FunctionCall: it could not be put in
            // the tenant's namespace, and would reach another tenant's listeners.
            return refuse(frame, new TenantErrors("0A000", "pg_notify through the FunctionCall message is not supported for a "
                    + "tenant that shares its backend database", "call pg_notify() in SQL, or use NOTIFY"), current);
        }
        String refusal = target.guard().functionCallRefusal(oid);
        return refusal != null ? refuse(frame, TenantErrors.refused(refusal), current) : checked(frame, target, null, current);
    }

    Admitted refuse(Frame frame, TenantErrors error, TenantTarget current) {
        return substitutes.raising(frame, error, here(current));
    }

    /** Where a frame that does not choose its target runs: where the session's previous one did. */
    TenantTarget here(TenantTarget current) {
        return current != null ? current : tenant.target();
    }
}
