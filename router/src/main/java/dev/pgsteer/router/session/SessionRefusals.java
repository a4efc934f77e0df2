package dev.pgsteer.router.session;

import dev.pgsteer.router.session.SessionRoute.Refused;

/**
 * The refusals of a login, with their SQLSTATEs. The two about tenants are also what the tenant gate
 * answers a statement that names an unknown tenant, or another than the user's: one wording for both.
 */
public final class SessionRefusals {
    /** As PostgreSQL answers a database that does not exist. */
    public static final String INVALID_CATALOG_NAME = "3D000";
    public static final String INSUFFICIENT_PRIVILEGE = "42501";

    private SessionRefusals() {
    }

    public static Refused notAnAdmin(String user, String adminDatabase) {
        return new Refused(INSUFFICIENT_PRIVILEGE,
                "permission denied: user \"" + user + "\" is not an admin user; the database \"" + adminDatabase
                        + "\" is pgsteer's admin console",
                "Connect as a user with admin: true under users: in pgsteer's configuration.");
    }

    public static Refused unknownDatabase(String database) {
        return new Refused(INVALID_CATALOG_NAME, "database \"" + database + "\" does not exist",
                "pgsteer serves the databases listed under \"databases:\" in its configuration.");
    }

    /** A user pinned to {@code pinned} asked for the database named as another tenant's id. */
    public static Refused otherTenantsDatabase(String user, String pinned, String asked) {
        return new Refused(INSUFFICIENT_PRIVILEGE,
                "user \"" + user + "\" may only use tenant \"" + pinned + "\", not \"" + asked + "\"", null);
    }

    /** A user pinned to {@code pinned} asked for a database that is not a tenant database; {@code database}: its tenant's, null when unknown. */
    public static Refused pinnedElsewhere(String user, String pinned, String database) {
        return new Refused(INSUFFICIENT_PRIVILEGE, "user \"" + user + "\" is pinned to tenant \"" + pinned
                + "\" and may only connect to " + (database != null ? "its database \"" + database + "\"" : "its tenant's database"),
                null);
    }

    /** A user pinned to {@code tenant} named {@code wanted} (at startup, or later in a statement). */
    public static Refused pinned(String user, String tenant, String wanted) {
        return new Refused(INSUFFICIENT_PRIVILEGE, "user \"" + user + "\" may only use tenant \"" + tenant
                + "\", not \"" + printable(wanted) + "\"", "connect as a user that is not pinned to a tenant");
    }

    public static Refused unknownTenant(String tenant) {
        return new Refused(INVALID_CATALOG_NAME, "tenant \"" + printable(tenant) + "\" does not exist",
                "name a tenant of the directory (SHOW TENANTS in the admin console lists them)");
    }

    /** A client-supplied name as it may appear in a message: no quotes or dollars to break out of one. */
    public static String printable(String text) {
        String shown = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return shown.replaceAll("[^A-Za-z0-9_.\\- ]", "?");
    }
}
