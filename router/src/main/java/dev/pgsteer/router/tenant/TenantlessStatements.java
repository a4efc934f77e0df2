package dev.pgsteer.router.tenant;

import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import java.util.List;
import java.util.Set;

/**
 * What a session of a tenant database may run before it names a tenant: what drivers and tools
 * send on connecting (SET and SHOW of settings, transaction control, {@code SELECT version()}) and
 * reads of the system catalogs. Everything else needs a tenant, since without one pgsteer does not
 * know whose data it would touch.
 */
public final class TenantlessStatements {
    private static final Set<String> CONTROL = Set.of("show", "set", "reset", "begin", "start", "commit", "rollback",
            "end", "abort", "savepoint", "release", "deallocate", "discard", "close");

    private TenantlessStatements() {
    }

    public static boolean allowed(String sql) {
        for (List<SqlTokens.Token> statement : SqlTokens.of(sql).statements()) {
            if (!allowedOne(statement)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allowedOne(List<SqlTokens.Token> t) {
        SqlTokens.Token first = t.getFirst();
        if (first.kind() != Kind.WORD) {
            return false;
        }
        if (CONTROL.contains(first.text())) {
            return true;
        }
        if (!first.is("select")) {
            return false;
        }
        // Every relation after FROM or JOIN must be a catalog's: pg_catalog.x, information_schema.x or pg_x.
        for (int i = 1; i < t.size(); i++) {
            SqlTokens.Token token = t.get(i);
            if (token.is("from") || token.is("join")) {
                SqlTokens.Token name = i + 1 < t.size() ? t.get(i + 1) : null;
                if (name == null || !name.isName() || !catalog(name.text())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean catalog(String name) {
        return name.equals("pg_catalog") || name.equals("information_schema") || name.startsWith("pg_");
    }
}
