package dev.pgsteer.proxy.tenant;

import dev.pgsteer.router.session.SessionRefusals;
import dev.pgsteer.router.session.SessionRoute;

/**
 * The errors of tenant routing, with their SQLSTATEs. They reach the client as the error of the
 * statement that caused them, at its place in the protocol's sequence: see {@link RaisingStatement}.
 */
record TenantErrors(String sqlState, String message, String hint) {
    /** As a login without the credentials it needs. */
    static final String NO_TENANT = "28000";
    static final String NOT_ALLOWED = "42501";
    static final String IN_TRANSACTION = "25001";
    static final String NOT_AVAILABLE = "55000";
    /** How a session that has named no tenant is shown in messages. */
    static final String NO_TENANT_LABEL = "(none)";

    /** Worded as the router refuses a login naming an unknown tenant. */
    static TenantErrors unknownTenant(String tenant) {
        return of(SessionRefusals.unknownTenant(tenant));
    }

    static TenantErrors noTenant(String database) {
        return new TenantErrors(NO_TENANT, "no tenant named for this statement in database \"" + database + "\"",
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
        return new TenantErrors(IN_TRANSACTION, "cannot switch from tenant \"" + from + "\" to \"" + printable(to)
                + "\" inside a transaction", hint);
    }

    static TenantErrors switchPinned(String from, String to) {
        return new TenantErrors(NOT_ALLOWED, "cannot switch from tenant \"" + from + "\" to \"" + printable(to)
                + "\": this session keeps its backend connection (session pooling, or session state such as "
                + "LISTEN or temporary tables)", "open another connection for the other tenant");
    }

    static TenantErrors refused(String reason) {
        return new TenantErrors(NOT_ALLOWED, reason, null);
    }

    /** As PostgreSQL answers a conversion it does not support. */
    static TenantErrors unsafeEncoding(String reason) {
        return new TenantErrors("0A000", reason, "use client_encoding UTF8 (or another encoding whose multibyte "
                + "characters contain no ASCII bytes), or give the tenant a role of its own");
    }

    static TenantErrors moving(String tenant) {
        return new TenantErrors(NOT_AVAILABLE, "tenant \"" + tenant + "\" is moving: it takes no statements until the move ends",
                "retry shortly");
    }

    /** A client-supplied name as it may appear in a message: no quotes or dollars to break out of one. */
    static String printable(String text) {
        return SessionRefusals.printable(text);
    }
}
