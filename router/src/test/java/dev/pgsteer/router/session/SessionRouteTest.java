package dev.pgsteer.router.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import dev.pgsteer.config.yaml.ConfigLoader;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where a session goes, by its user, the database it asked for and its startup option
 * {@code pgsteer.tenant}: first the sessions let in, then every refusal with its SQLSTATE, message
 * and hint.
 */
class SessionRouteTest {
    /**
     * A tenant database, one with sharded tables too (crm: an admin who names no tenant reads all
     * tenants by key), a sharded one, two on one backend; and users: plain, admin, pinned to a tenant.
     */
    static final String YAML = """
            users:
              app:      { password: pw }
              boss:     { password: pw, admin: true }
              acme_app: { password: pw, tenant: acme }
              gone_app: { password: pw, tenant: gone }
            backends:
              s0: { url: "postgresql://owner@h0/saas_0" }
              s1: { url: "postgresql://owner@h1/saas_1" }
              b:  { url: "postgresql://owner@h2/billing_db" }
              n:  { url: "postgresql://owner@h3" }
            databases:
              saas:    { shards: [s0, s1], tenancy: {} }
              crm:
                shards: [s0, s1]
                tenancy: { directory: tenants }
                tables: { contacts: { key: tenant_id, function: directory, group: tenants } }
              shop:    { shards: [s0, s1] }
              billing: { shards: [b] }
              ledger:  { shards: [b], backend_database: ledger_2026 }
              notes:   { shards: [n] }
            tenants:
              acme:   { database: saas, mode: schema, shard: s0 }
              globex: { database: saas, mode: shared, shard: s1 }
              gone:   { database: saas, mode: shared, shard: s1 }
              hooli:  { database: crm, mode: shared, shard: s1 }
            """;
    static final ProxyConfig CONFIG = ConfigLoader.parse(YAML, "pgsteer.yaml", Map.of());
    /**
     * The directory as the store has it now: {@code gone} was deleted since the file was read, and
     * {@code stray} names a database that has no tenancy.
     */
    static final TenantDirectory DIRECTORY = directory();

    final SessionRouter router = new SessionRouter(CONFIG, () -> DIRECTORY);

    private static TenantDirectory directory() {
        Map<String, TenantConfig> tenants = new LinkedHashMap<>(CONFIG.tenants());
        tenants.remove("gone");
        tenants.put("stray", new TenantConfig("stray", "billing", TenantMode.SHARED, "b", null, null, null, null,
                TenantState.ACTIVE, 3));
        return TenantDirectory.of(tenants);
    }

    /** The whole answer in one line. */
    static String describe(SessionRoute route) {
        return switch (route) {
            case SessionRoute.Admin admin -> "admin console";
            case SessionRoute.TenantSession tenant -> "tenant session of " + tenant.database().name()
                    + ", pinned " + or(tenant.pinned()) + ", at startup " + or(tenant.atStartup());
            case SessionRoute.Sharded sharded -> "sharded " + sharded.database().name();
            case SessionRoute.SingleBackend single -> "single backend " + single.database().name() + " on "
                    + single.backend() + "/" + single.backendDatabase();
            case SessionRoute.Refused refused -> "refused " + refused.sqlState() + ": " + refused.message()
                    + " (hint: " + or(refused.hint()) + ")";
        };
    }

    private static String or(String value) {
        return value == null ? "-" : value;
    }

    @ParameterizedTest(name = "{0} to {1}, tenant {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", quoteCharacter = '`', textBlock = """
            # user   | database | pgsteer.tenant | route
            boss     | pgsteer  | -              | admin console
            app      | shop     | -              | sharded shop
            app      | billing  | -              | single backend billing on b/billing_db
            app      | ledger   | -              | single backend ledger on b/ledger_2026
            app      | notes    | -              | single backend notes on n/notes
            boss     | billing  | -              | single backend billing on b/billing_db
            app      | saas     | -              | tenant session of saas, pinned -, at startup -
            app      | saas     | globex         | tenant session of saas, pinned -, at startup globex
            acme_app | saas     | -              | tenant session of saas, pinned acme, at startup -
            acme_app | saas     | acme           | tenant session of saas, pinned acme, at startup acme
            app      | acme     | -              | tenant session of saas, pinned acme, at startup -
            app      | acme     | acme           | tenant session of saas, pinned acme, at startup acme
            acme_app | acme     | -              | tenant session of saas, pinned acme, at startup -
            nobody   | saas     | acme           | tenant session of saas, pinned -, at startup acme
            app      | billing  | acme           | single backend billing on b/billing_db
            app      | crm      | hooli          | tenant session of crm, pinned -, at startup hooli
            boss     | crm      | hooli          | tenant session of crm, pinned -, at startup hooli
            app      | crm      | -              | tenant session of crm, pinned -, at startup -
            boss     | crm      | -              | sharded crm
            """)
    void letsIn(String user, String database, String startupTenant, String route) {
        assertEquals(route, describe(router.route(user, database, startupTenant)));
    }

    @ParameterizedTest(name = "{0} to {1}, tenant {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", quoteCharacter = '`', textBlock = """
            # user   | database | pgsteer.tenant | refusal
            app      | pgsteer  | -              | refused 42501: permission denied: user "app" is not an admin user; the database "pgsteer" is pgsteer's admin console (hint: Connect as a user with admin: true under users: in pgsteer's configuration.)
            nobody   | pgsteer  | -              | refused 42501: permission denied: user "nobody" is not an admin user; the database "pgsteer" is pgsteer's admin console (hint: Connect as a user with admin: true under users: in pgsteer's configuration.)
            app      | nosuch   | -              | refused 3D000: database "nosuch" does not exist (hint: pgsteer serves the databases listed under "databases:" in its configuration.)
            app      | gone     | -              | refused 3D000: database "gone" does not exist (hint: pgsteer serves the databases listed under "databases:" in its configuration.)
            app      | saas     | nosuch         | refused 3D000: tenant "nosuch" does not exist (hint: name a tenant of the directory (SHOW TENANTS in the admin console lists them))
            app      | saas     | gone           | refused 3D000: tenant "gone" does not exist (hint: name a tenant of the directory (SHOW TENANTS in the admin console lists them))
            app      | saas     | x'; drop       | refused 3D000: tenant "x?? drop" does not exist (hint: name a tenant of the directory (SHOW TENANTS in the admin console lists them))
            gone_app | saas     | -              | refused 3D000: tenant "gone" does not exist (hint: name a tenant of the directory (SHOW TENANTS in the admin console lists them))
            acme_app | saas     | globex         | refused 42501: user "acme_app" may only use tenant "acme", not "globex" (hint: connect as a user that is not pinned to a tenant)
            app      | acme     | globex         | refused 42501: user "app" may only use tenant "acme", not "globex" (hint: connect as a user that is not pinned to a tenant)
            acme_app | globex   | -              | refused 42501: user "acme_app" may only use tenant "acme", not "globex" (hint: -)
            acme_app | billing  | -              | refused 42501: user "acme_app" is pinned to tenant "acme" and may only connect to its database "saas" (hint: -)
            acme_app | nosuch   | -              | refused 42501: user "acme_app" is pinned to tenant "acme" and may only connect to its database "saas" (hint: -)
            gone_app | billing  | -              | refused 42501: user "gone_app" is pinned to tenant "gone" and may only connect to its tenant's database (hint: -)
            app      | stray    | -              | refused 42501: user "app" is pinned to tenant "stray" and may only connect to its database "billing" (hint: -)
            """)
    void refuses(String user, String database, String startupTenant, String refusal) {
        assertEquals(refusal, describe(router.route(user, database, startupTenant)));
    }

    /** With a {@code "*"} entry every name is served, but a tenant's id still names its tenant. */
    @ParameterizedTest(name = "{0} to {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            app      | anything | single backend * on b/anything
            app      | billing  | single backend billing on b/billing_db
            app      | acme     | tenant session of saas, pinned acme, at startup -
            acme_app | anything | refused 42501: user "acme_app" is pinned to tenant "acme" and may only connect to its database "saas" (hint: -)
            app      | pgsteer  | refused 42501: permission denied: user "app" is not an admin user; the database "pgsteer" is pgsteer's admin console (hint: Connect as a user with admin: true under users: in pgsteer's configuration.)
            """)
    void passthroughServesEveryOtherName(String user, String database, String route) {
        ProxyConfig config = ConfigLoader.parse(YAML.replace("  notes:   { shards: [n] }\n",
                "  notes:   { shards: [n] }\n  \"*\":     { shards: [b] }\n"), "pgsteer.yaml", Map.of());
        assertEquals(route, describe(new SessionRouter(config, () -> DIRECTORY).route(user, database, null)));
    }

    @Test
    void aRouteCarriesTheDatabaseOfTheConfiguration() {
        var route = (SessionRoute.SingleBackend) router.route("app", "billing", null);

        assertSame(CONFIG.databases().get("billing"), route.database());
    }
}
