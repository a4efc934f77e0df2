package dev.pgsteer.router.tenant;

import static dev.pgsteer.router.tenant.SettingTokens.at;

import java.util.List;
import java.util.Locale;

/** What the tenant guard refuses where every tenant's rows are in the same tables (shared mode). */
final class SharedTables {
    private SharedTables() {
    }

    /**
     * In shared tables row-level security keeps tenants apart, and the backend user owns the tables:
     * TRUNCATE ignores the policies, and the owner may switch them off or add a permissive one.
     */
    static String refusal(List<SqlTokens.Token> t, int i) {
        SqlTokens.Token verb = t.get(i);
        if (verb.is("truncate")) {
            return "TRUNCATE is refused: the tables are shared by every tenant and row-level security does not apply "
                    + "to TRUNCATE; DELETE your own rows instead";
        }
        if ((verb.is("create") || verb.is("alter") || verb.is("drop")) && at(t, i + 1, "policy")) {
            return verb.text().toUpperCase(Locale.ROOT) + " POLICY is refused: the policies keep the tenants of shared tables apart";
        }
        if (verb.is("alter") && at(t, i + 1, "table")) {
            for (int k = i + 2; k + 2 < t.size(); k++) {
                if (t.get(k).is("row") && t.get(k + 1).is("level") && t.get(k + 2).is("security")) {
                    return "ALTER TABLE ... ROW LEVEL SECURITY is refused: row-level security keeps the tenants of "
                            + "shared tables apart";
                }
            }
        }
        return null;
    }
}
