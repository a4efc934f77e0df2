package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.router.session.SessionRefusals;
import dev.pgsteer.router.session.SessionRoute;

/**
 * The errors of tenant routing, with their SQLSTATEs. They reach the client as the error of the
 * statement that caused them, at its place in the protocol's sequence: see {@link RaisingStatement}.
 */
record TenantErrors(String sqlState, String message, String hint) {
    /** As a login without the credentials it needs. */
    static final SqlState NO_TENANT = SqlState.INVALID_AUTHORIZATION_SPECIFICATION;
    static final SqlState NOT_ALLOWED = SqlState.INSUFFICIENT_PRIVILEGE;
    static final SqlState IN_TRANSACTION = SqlState.ACTIVE_SQL_TRANSACTION;
    static final SqlState NOT_AVAILABLE = SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE;
    /** As PostgreSQL answers a conversion it does not support. */
    static final SqlState UNSAFE_ENCODING = SqlState.FEATURE_NOT_SUPPORTED;
    /** How a session that has named no tenant is shown in messages. */
    static final String NO_TENANT_LABEL = "(none)";

    private static TenantErrors of(SqlState state, String message, String hint) {
        return new TenantErrors(state.code(), message, hint);
    }

    /** Worded as the router refuses a login naming an unknown tenant. */
    static TenantErrors unknownTenant(String tenant) {
        return of(SessionRefusals.unknownTenant(tenant));
    }

    static TenantErrors noTenant(String database) {
        return of(NO_TENANT, "no tenant named for this statement in database \"" + database + "\"",
                "name one with SET pgsteer.tenant = 'name', with PGOPTIONS='-c pgsteer.tenant=name' when connecting, "
                        + "or with a /* tenant=name */ comment at the head of the statement");
    }

    /** Worded as the router refuses a login of a pinned user naming another tenant. */
    static TenantErrors pinned(String user, String tenant, String wanted) {
        return of(SessionRefusals.pinned(user, tenant, wanted));
    }

    private static TenantErrors of(SessionRoute.Refused refused) {
        return new TenantErrors(refused.sqlState(), refused.message(), refused.hint());
    }

    static TenantErrors switchInTransaction(String from, String to) {
        // From no tenant, the usual cause is a driver's own BEGIN before a statement that names one
        // (psycopg2 by default, pgjdbc with autoCommit off): say how to name the tenant before it.
        String hint = NO_TENANT_LABEL.equals(from)
                ? "this transaction began before a tenant was named (drivers such as psycopg2, and pgjdbc with "
                        + "autoCommit off, send BEGIN themselves); name the tenant when connecting "
                        + "(options=-c pgsteer.tenant=name) or with SET pgsteer.tenant outside a transaction, "
                        + "and COMMIT or ROLLBACK this one first"
                : "COMMIT or ROLLBACK first";
        return of(IN_TRANSACTION, "cannot switch from tenant \"" + from + "\" to \"" + printable(to)
                + "\" inside a transaction", hint);
    }

    static TenantErrors switchPinned(String from, String to) {
        return of(NOT_ALLOWED, "cannot switch from tenant \"" + from + "\" to \"" + printable(to)
                + "\": this session keeps its backend connection (session pooling, or session state such as "
                + "LISTEN or temporary tables)", "open another connection for the other tenant");
    }

    /**
     * The session keeps a connection to its tenant's former shard, and the tenant moved (MOVE TENANT): its
     * statements may not go on there (the rows are the new shard's), nor move with it (the session's state
     * is on that connection).
     */
    static TenantErrors movedAway(String tenant, String shard) {
        return of(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "tenant \"" + printable(tenant) + "\" moved to shard " + shard
                + " while this session kept its backend connection on its former shard (session pooling, or session state such"
                + " as LISTEN or temporary tables)", "open a new connection");
    }

    static TenantErrors refused(String reason) {
        return of(NOT_ALLOWED, reason, null);
    }

    static TenantErrors unsafeEncoding(String reason) {
        return of(UNSAFE_ENCODING, reason, "use client_encoding UTF8 (or another encoding whose multibyte "
                + "characters contain no ASCII bytes), or give the tenant a role of its own");
    }

    static TenantErrors moving(String tenant) {
        return of(NOT_AVAILABLE, "tenant \"" + tenant + "\" is moving: it takes no statements until the move ends",
                "retry shortly");
    }

    /** A client-supplied name as it may appear in a message: no quotes or dollars to break out of one. */
    static String printable(String text) {
        return SessionRefusals.printable(text);
    }
}
