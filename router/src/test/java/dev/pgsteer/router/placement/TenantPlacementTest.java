package dev.pgsteer.router.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import dev.pgsteer.config.yaml.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where each kind of tenant's data is and whom its connections log in as: the server, the database
 * on it and the login, written {@code server/database as user:password}.
 */
class TenantPlacementTest {
    /**
     * saas over s0 and s1, each shard's URL naming its own database; s2 a backend outside saas; own and
     * bare backends for database tenants, bare's URL without a database.
     */
    static final ProxyConfig CONFIG = ConfigLoader.parse("""
            backends:
              s0:   { url: "postgresql://owner0:pw0@h0:5432/saas_0" }
              s1:   { url: "postgresql://owner1:pw1@h1:5433/saas_1" }
              s2:   { url: "postgresql://owner2:pw2@h2/elsewhere" }
              own:  { url: "postgresql://own_owner:pwo@h3/own_db" }
              bare: { url: "postgresql://bare_owner:pwb@h4" }
            databases:
              saas: { shards: [s0, s1], tenancy: {} }
              shop: { shards: [s2] }
            """, "pgsteer.yaml", Map.of());

    private static TenantConfig tenant(String id, String database, TenantMode mode, String shard, String backend,
                                       String role, String rolePassword) {
        return new TenantConfig(id, database, mode, shard, null, backend, role, rolePassword, TenantState.ACTIVE, 1);
    }

    private static String placed(TenantConfig tenant) {
        TenantPlacement p = TenantPlacement.of(CONFIG, tenant);
        return p.server().name() + "/" + p.database() + " as " + p.user() + ":" + p.password();
    }

    @ParameterizedTest(name = "{0} {1} on {2}, backend {3}, role {4}/{5} -> {6}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # mode   | id      | shard | backend    | role      | role pw | placed
            SCHEMA   | acme    | s0    | -          | -         | -       | s0/saas_0 as owner0:pw0
            SCHEMA   | acme    | s1    | -          | acme      | acme-pw | s1/saas_1 as acme:acme-pw
            SCHEMA   | acme    | s0    | -          | acme      | -       | s0/saas_0 as acme:pw0
            SHARED   | globex  | s1    | -          | -         | -       | s1/saas_1 as owner1:pw1
            SHARED   | globex  | s0    | -          | globex    | gx-pw   | s0/saas_0 as globex:gx-pw
            SHARED   | globex  | s2    | -          | -         | -       | s2/saas as owner2:pw2
            DATABASE | initech | s0    | initech_db | -         | -       | s0/initech_db as owner0:pw0
            DATABASE | initech | s1    | -          | initech   | in-pw   | s1/initech as initech:in-pw
            DATABASE | initech | s0    | own        | -         | -       | own/own_db as own_owner:pwo
            DATABASE | initech | s0    | own        | initech   | in-pw   | own/own_db as initech:in-pw
            DATABASE | initech | s0    | bare       | -         | -       | bare/initech as bare_owner:pwb
            """)
    void placesEachKindOfTenant(TenantMode mode, String id, String shard, String backend, String role, String rolePassword,
                                String placed) {
        assertEquals(placed, placed(tenant(id, "saas", mode, shard, backend, role, rolePassword)));
    }

    @Test
    void loginsForJdbcAreTheTenantsAndTheServerOwners() {
        TenantPlacement p = TenantPlacement.of(CONFIG, tenant("acme", "saas", TenantMode.SCHEMA, "s1", null, "acme", "acme-pw"));

        assertEquals(new BackendUrl("h1", 5433, "acme", "acme-pw", "saas_1"), p.login());
        assertEquals(new BackendUrl("h1", 5433, "owner1", "pw1", "postgres"), p.owner("postgres"));
        assertEquals("TenantPlacement[s1/saas_1 as acme]", p.toString());
    }

    @Test
    void aTenantOfADatabaseWithoutTenancyOrOnNoBackendHasNoPlace() {
        var untenanted = assertThrows(IllegalStateException.class,
                () -> TenantPlacement.of(CONFIG, tenant("acme", "shop", TenantMode.SCHEMA, "s2", null, null, null)));
        assertEquals("tenant acme names database shop, which has no tenancy in the running configuration", untenanted.getMessage());

        var noShard = assertThrows(IllegalStateException.class,
                () -> TenantPlacement.of(CONFIG, tenant("acme", "saas", TenantMode.SCHEMA, "s9", null, null, null)));
        assertEquals("tenant acme names shard s9, which is not a backend", noShard.getMessage());
    }
}
