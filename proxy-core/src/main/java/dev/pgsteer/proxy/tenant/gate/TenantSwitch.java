package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.SessionGate.Admitted;
import dev.pgsteer.router.tenant.TenantCommand;
import java.util.Objects;

/**
 * Switching a session's tenant: {@code SET}, {@code RESET} and {@code SHOW pgsteer.tenant}, refused
 * inside a transaction, and the refusal of a switch the relay cannot make because it holds its
 * connection. The gate answers SET and RESET with a SET the backend runs as a no-op, so that the
 * client gets SET's own answer where it awaits it.
 */
final class TenantSwitch {
    private static final String UNSET = "SET pgsteer.tenant TO DEFAULT";

    private final ClientSession session;
    private final SessionTenant tenant;
    private final SubstituteFrames substitutes;
    private final ExtendedBatch batch;

    TenantSwitch(ClientSession session, SessionTenant tenant, SubstituteFrames substitutes, ExtendedBatch batch) {
        this.session = session;
        this.tenant = tenant;
        this.substitutes = substitutes;
        this.batch = batch;
    }

    /** {@code command}, read from {@code frame} (a Query, or a Parse named {@code parseName}), run on {@code here}. */
    Admitted command(Frame frame, TenantCommand command, String parseName, TenantTarget here) {
        return switch (command) {
            case TenantCommand.Show show -> {
                String name = tenant.name();
                String sql = "SELECT " + (name == null ? "''" : "'" + name + "'") + "::text AS \"pgsteer.tenant\"";
                yield new Admitted(substitutes.replacing(frame, sql, parseName), here);
            }
            case TenantCommand.Reset reset -> choose(frame, null, parseName, here);
            case TenantCommand.Set set -> choose(frame, set.tenant(), parseName, here);
        };
    }

    private Admitted choose(Frame frame, String chosen, String parseName, TenantTarget here) {
        String effective = tenant.afterChoosing(chosen);
        if (chosen != null && tenant.pinnedElsewhere(chosen)) {
            return substitutes.raising(frame, TenantErrors.pinned(session.user(), tenant.pinned(), chosen), here);
        }
        if (effective != null && tenant.tenants().target(effective).isEmpty()) {
            return substitutes.raising(frame, TenantErrors.unknownTenant(effective), here);
        }
        String before = tenant.name();
        if (inTransaction(session) && !Objects.equals(before, effective)) {
            return substitutes.raising(frame, TenantErrors.switchInTransaction(before == null ? TenantErrors.NO_TENANT_LABEL : before,
                    effective == null ? TenantErrors.NO_TENANT_LABEL : effective), here);
        }
        tenant.choose(chosen);
        return new Admitted(substitutes.replacing(frame, UNSET, parseName), null, here, true);
    }

    /** See {@code SessionGate.refuseSwitch}. */
    Admitted refuse(Admitted admitted, TenantTarget held) {
        if (admitted.second() != null || !isStatement(admitted.first())) {
            // Already an error (a refused Bind), or a message that only follows a statement: it runs where it is.
            return new Admitted(admitted.first(), admitted.second(), held, false);
        }
        TenantTarget wanted = (TenantTarget) admitted.target();
        // An extended-protocol batch runs up to its Sync as one (implicit) transaction.
        boolean midBatch = batch.switchesWithin(wanted);
        TenantErrors error = inTransaction(session) || midBatch ? TenantErrors.switchInTransaction(held.label(), wanted.label())
                : wanted.sameTenantAs(held) ? TenantErrors.movedAway(wanted.label(), wanted.tenant().shard())
                : TenantErrors.switchPinned(held.label(), wanted.label());
        Admitted refused = substitutes.raising(admitted.first(), error, held);
        return new Admitted(refused.first(), refused.second(), held, false);
    }

    private static boolean isStatement(Frame frame) {
        return switch (Frontend.of(frame.type())) {
            case QUERY, PARSE, BIND, FUNCTION_CALL -> true;
            default -> false;
        };
    }

    static boolean inTransaction(ClientSession session) {
        return session.transactionStatus() != TransactionStatus.IDLE;
    }
}
