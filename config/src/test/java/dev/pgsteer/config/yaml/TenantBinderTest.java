package dev.pgsteer.config.yaml;

import static dev.pgsteer.config.yaml.ConfigErrorsTest.failure;
import static dev.pgsteer.config.yaml.ConfigErrorsTest.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.TenancyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The multi-tenancy part of the file: {@code databases.<name>.tenancy}, {@code tenants:},
 * {@code metadata_store:} and users pinned to a tenant. What a valid file gives first, then each
 * mistake with its line and fix.
 */
class TenantBinderTest {

    /** The example of issue 7, as a user would write it. */
    static final String ISSUE_EXAMPLE = """
            users:
              app: { password: app-pw }
              acme_app: { password: acme-pw, tenant: acme }
            backends:
              s0: { url: "postgresql://pgsteer:pw@pg0:5432/saas" }
              s1: { url: "postgresql://pgsteer:pw@pg1:5432/saas" }
            databases:
              saas: { shards: [s0, s1], tenancy: { setting: app.tenant_id, shared_schemas: [public] } }
            tenants:
              acme:    { database: saas, mode: schema, shard: s0, schema: acme, role: acme }
              globex:  { database: saas, mode: shared, shard: s1 }
              initech: { database: saas, mode: database, backend: initech_db }
            """;

    /**
     * Lines 1 to 7: three backends, the tenant database saas on s0 and s1, and shop without tenancy.
     * What a test adds starts on line 8.
     */
    private static final String BASE = """
            backends:
              s0: { url: "postgresql://app@h0/saas" }
              s1: { url: "postgresql://app@h1/saas" }
              s2: { url: "postgresql://app@h2/shop" }
            databases:
              saas: { shards: [s0, s1], tenancy: {} }
              shop: { shards: [s2] }
            """;

    private static ProxyConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "pgsteer.yaml", Map.of());
    }

    private static void assertProblem(String yaml, int line, String what, String fix) {
        ConfigProblem p = onlyProblem(failure(yaml));
        assertEquals(List.of(line, what, fix), List.of(p.line(), p.what(), p.fix()), p.toString());
    }

    private static TenantConfig tenant(ProxyConfig config, String id) {
        return config.tenants().get(id);
    }

    @Test
    void theIssuesExampleLoads() {
        ProxyConfig config = parse(ISSUE_EXAMPLE);

        DatabaseConfig saas = config.databases().get("saas");
        assertEquals(List.of("s0", "s1"), saas.shards());
        assertEquals(new TenancyConfig("app.tenant_id", List.of("public"), null), saas.tenancy());
        assertEquals(List.of("acme", "globex", "initech"), List.copyOf(config.tenants().keySet()));
        assertEquals(new TenantConfig("acme", "saas", TenantMode.SCHEMA, "s0", "acme", null, "acme", null,
                TenantState.ACTIVE, 0), tenant(config, "acme"));
        assertEquals(new TenantConfig("globex", "saas", TenantMode.SHARED, "s1", null, null, null, null,
                TenantState.ACTIVE, 0), tenant(config, "globex"));
        assertEquals(new TenantConfig("initech", "saas", TenantMode.DATABASE, "s0", null, "initech_db", null, null,
                TenantState.ACTIVE, 0), tenant(config, "initech"));
        assertEquals("s0/schema acme", tenant(config, "acme").target());
        assertEquals("s1/shared", tenant(config, "globex").target());
        assertEquals("s0/database initech_db", tenant(config, "initech").target());
        assertNull(config.users().get("app").tenant());
        assertEquals("acme", config.users().get("acme_app").tenant());
        assertNull(config.metadataStore(), "without metadata_store the file's tenants are the directory");
    }

    @Test
    void whatATenantDoesNotSayIsDefaulted() {
        ProxyConfig config = parse(BASE + """
                tenants:
                  acme: { database: saas, mode: schema }
                  initech: { database: saas, mode: database }
                  globex: { database: saas, mode: shared, state: read-only, role: globex, role_password: pw }
                """);

        TenantConfig acme = tenant(config, "acme");
        assertEquals("acme", acme.schema(), "the schema is the tenant's id");
        assertEquals("s0", acme.shard(), "the database's default shard");
        assertEquals(TenantState.ACTIVE, acme.state());
        assertNull(acme.role());
        assertEquals(0, acme.version(), "the file's tenants are version 0; the store numbers its changes");
        assertEquals("initech", tenant(config, "initech").backend(), "the backend database is the tenant's id");
        assertNull(tenant(config, "initech").schema());
        TenantConfig globex = tenant(config, "globex");
        assertNull(globex.schema());
        assertNull(globex.backend());
        assertEquals(TenantState.READ_ONLY, globex.state());
        assertEquals("pw", globex.rolePassword());
        assertEquals("TenantConfig[id=globex, database=saas, mode=shared, target=s0/shared, role=globex, "
                + "rolePassword=***, state=read_only, version=0]", globex.toString(), "the password is not printed");
    }

    @Test
    void tenancyHasDefaultsToo() {
        ProxyConfig config = parse("""
                backends: { s0: { url: "postgresql://app@h0/db" } }
                databases:
                  a: { shards: [s0], tenancy: }
                  b: { shards: [s0], tenancy: {} }
                  c: { shards: [s0], tenancy: { setting: my.tenant, shared_schemas: [] } }
                  d: { shards: [s0] }
                """);

        assertEquals(TenancyConfig.defaults(), config.databases().get("a").tenancy());
        assertEquals(new TenancyConfig("app.tenant_id", List.of("public"), null), config.databases().get("b").tenancy());
        assertEquals(new TenancyConfig("my.tenant", List.of(), null), config.databases().get("c").tenancy());
        assertNull(config.databases().get("d").tenancy());
    }

    @Test
    void theMetadataStoreHasAUrlAndASchema() {
        ProxyConfig config = parse(BASE + """
                metadata_store: { url: "postgresql://meta:secret@meta-host:5433/control" }
                users:
                  later: { password: pw, tenant: not_yet_created }
                """);

        assertEquals(new MetadataStoreConfig(new BackendUrl("meta-host", 5433, "meta", "secret", "control"), "pgsteer"),
                config.metadataStore());
        assertEquals("not_yet_created", config.users().get("later").tenant(),
                "with a store, a pinned user's tenant may be created at run time");
        assertEquals("directory", parse(BASE + "metadata_store: { url: \"postgresql://h/m\", schema: directory }\n")
                .metadataStore().schema());
    }

    @Test
    void theNodeTimeoutOfTwoPhaseCommitsDefaultsTo15s() {
        assertEquals(java.time.Duration.ofSeconds(15),
                parse(BASE + "metadata_store: { url: \"postgresql://h/m\" }\n").metadataStore().nodeTimeout());
        assertEquals(java.time.Duration.ofSeconds(5),
                parse(BASE + "metadata_store: { url: \"postgresql://h/m\", node_timeout: 5s }\n").metadataStore().nodeTimeout());
        ConfigException tooShort = assertThrows(ConfigException.class,
                () -> parse(BASE + "metadata_store: { url: \"postgresql://h/m\", node_timeout: 100ms }\n"));
        assertTrue(tooShort.getMessage().contains("metadata_store.node_timeout: 100ms is too short"), tooShort.getMessage());
    }

    @Test
    void stateDirIsAFolderRelativeToTheFile() {
        assertNull(parse(BASE).stateDir());
        ProxyConfig config = ConfigLoader.parse(BASE + "state_dir: state\n", "/etc/pgsteer/pgsteer.yaml", java.util.Map.of());
        assertEquals(java.nio.file.Path.of("/etc/pgsteer/state"), config.stateDir());
        assertEquals(java.nio.file.Path.of("/var/lib/pgsteer"),
                ConfigLoader.parse(BASE + "state_dir: /var/lib/pgsteer\n", "/etc/pgsteer/pgsteer.yaml", java.util.Map.of()).stateDir());
    }

    @Test
    void aTenantOfAnUnknownDatabase() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: sass, mode: schema }
                """, 9, "tenants.acme.database: 'sass' is not a database of this file",
                "did you mean 'saas'? name one with tenancy: saas");
    }

    @Test
    void aTenantOfADatabaseWithoutTenancy() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: shop, mode: schema }
                """, 9, "tenants.acme.database: 'shop' has no tenancy",
                "add tenancy: {} to databases.shop, or name one with tenancy: saas");
    }

    @Test
    void aTenantWithoutDatabase() {
        assertProblem(BASE + """
                tenants:
                  acme: { mode: schema }
                """, 9, "tenant 'acme' names no database", "add database: saas");
    }

    @Test
    void aTenantWithoutMode() {
        assertProblem(BASE + """
                tenants:
                  acme:
                    database: saas
                    shard: s1
                """, 10, "tenant 'acme' has no mode", "add mode: with one of database, schema, shared");
    }

    @Test
    void aTenantWithABadMode() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: saas, mode: schemas }
                """, 9, "tenants.acme.mode: 'schemas' is not a tenant mode; valid modes are database, schema, shared",
                "use one of database, schema, shared");
    }

    @Test
    void aTenantOnAShardOfAnotherDatabase() {
        assertProblem(BASE + """
                tenants:
                  acme:
                    database: saas
                    mode: schema
                    shard: s2
                """, 12, "tenants.acme.shard: 's2' is not a shard of database saas", "use one of s0, s1");
    }

    @Test
    void aSchemaOnASharedTenant() {
        assertProblem(BASE + """
                tenants:
                  globex: { database: saas, mode: shared, schema: globex }
                """, 9, "tenants.globex.schema applies only to mode schema tenants, and this one is shared",
                "remove it, or set mode: schema");
    }

    @Test
    void aBackendOnASchemaTenant() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: saas, mode: schema, backend: acme_db }
                """, 9, "tenants.acme.backend applies only to mode database tenants, and this one is schema",
                "remove it, or set mode: database");
    }

    @Test
    void aRolePasswordWithoutRole() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: saas, mode: schema, role_password: pw }
                """, 9, "tenants.acme.role_password is set, but the tenant has no role to log in as",
                "add role: NAME, or remove role_password");
    }

    @Test
    void aBadTenantState() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: saas, mode: schema, state: paused }
                """, 9, "tenants.acme.state: 'paused' is not a tenant state; valid states are active, read_only, moving",
                "use one of active, read_only, moving");
    }

    @Test
    void anUnknownKeyInATenant() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: saas, mode: schema, shcema: a }
                """, 9, "unknown key 'shcema' in tenants.acme",
                "did you mean 'schema'? valid keys in tenants.acme are database, mode, shard, schema, backend, role, "
                        + "role_password, state");
    }

    @Test
    void anInvalidTenantId() {
        assertProblem(BASE + """
                tenants:
                  "acme corp": { database: saas, mode: schema }
                """, 9, "'acme corp' is not a valid tenant id",
                "use up to 63 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'");
    }

    @Test
    void aUserPinnedToAnUnknownTenant() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: saas, mode: schema }
                users:
                  acme_app: { password: pw, tenant: acem }
                """, 11, "users.acme_app.tenant: there is no tenant 'acem'",
                "did you mean 'acme'? use one of acme, or add it under tenants:");
    }

    @Test
    void aUserPinnedToABrokenTenantIsNotReportedTwice() {
        assertProblem(BASE + """
                tenants:
                  acme: { database: saas, mode: schemas }
                users:
                  acme_app: { password: pw, tenant: acme }
                """, 9, "tenants.acme.mode: 'schemas' is not a tenant mode; valid modes are database, schema, shared",
                "use one of database, schema, shared");
    }

    @Test
    void aTenantOfABrokenDatabaseIsNotReportedTwice() {
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" } }
                databases:
                  saas: { shards: [s9], tenancy: {} }
                tenants:
                  acme: { database: saas, mode: schema }
                """, 3, "databases.saas.shards names backend 's9', which is not defined",
                "did you mean 's0'? use a backend from the backends section (defined: s0)");
    }

    @Test
    void aTenancySettingWithoutADot() {
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" } }
                databases:
                  saas:
                    shards: [s0]
                    tenancy: { setting: tenant_id }
                """, 5, "databases.saas.tenancy.setting 'tenant_id' cannot carry a tenant: PostgreSQL keeps custom "
                        + "settings only under a prefix, and pgsteer.* is the proxy's own",
                "use a custom setting with a dot, like setting: app.tenant_id");
    }

    @Test
    void aTenancySettingInThePgsteerNamespace() {
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" } }
                databases: { saas: { shards: [s0], tenancy: { setting: pgsteer.tenant } } }
                """, 2, "databases.saas.tenancy.setting 'pgsteer.tenant' cannot carry a tenant: PostgreSQL keeps custom "
                        + "settings only under a prefix, and pgsteer.* is the proxy's own",
                "use a custom setting with a dot, like setting: app.tenant_id");
    }

    @Test
    void tenancyAndTablesTogetherNeedADirectoryOfTenants() {
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" }, s1: { url: "postgresql://app@h1/saas" } }
                databases:
                  saas:
                    shards: [s0, s1]
                    tenancy: {}
                    tables: { orders: { key: id, function: hash } }
                """, 6, "database 'saas' has both tenancy and tables, but its tenancy names no directory: pgsteer places "
                        + "each tenant by its id in a directory group",
                "shard the tenants' tables with function: directory (key: tenant_id, group: tenants) and write "
                        + "tenancy: { directory: tenants }");
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" }, s1: { url: "postgresql://app@h1/saas" } }
                databases:
                  saas:
                    shards: [s0, s1]
                    tenancy: { directory: customers }
                    tables: { projects: { key: tenant_id, function: directory, group: tenants } }
                """, 5, "databases.saas.tenancy.directory names group 'customers', which no table of database 'saas' has",
                "use one of the groups tenants, or give the tenants' tables group: customers");
    }

    @Test
    void aTenantDatabaseShardsOnlyItsTenantsTables() {
        // A tenant's session is relayed unparsed to its tenant's shard, so a table hashed over every
        // shard would show it one shard's rows: each such table is refused on its own line.
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" }, s1: { url: "postgresql://app@h1/saas" } }
                databases:
                  saas:
                    shards: [s0, s1]
                    tenancy: { directory: tenants }
                    tables:
                      projects: { key: tenant_id, function: directory, group: tenants }
                      events:   { key: id, function: hash, buckets: 12 }
                """, 8, "databases.saas.tables.events is sharded by id, not by the tenant id in directory group tenants, "
                        + "but database 'saas' has tenancy: a tenant's session goes to its tenant's shard unparsed, so it "
                        + "would see only that shard's rows of events",
                "move events to a database without tenancy (another entry of databases: on the same shards, with its own "
                        + "backend_database), or shard it by the tenant id with function: directory, group: tenants");
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" }, s1: { url: "postgresql://app@h1/saas" } }
                databases:
                  saas:
                    shards: [s0, s1]
                    tenancy: { directory: tenants }
                    tables:
                      projects: { key: tenant_id, function: directory, group: tenants }
                      devices:  { key: device, function: directory, group: devices, unknown: { shard: s1 } }
                """, 8, "databases.saas.tables.devices is sharded by device, not by the tenant id in directory group tenants, "
                        + "but database 'saas' has tenancy: a tenant's session goes to its tenant's shard unparsed, so it "
                        + "would see only that shard's rows of devices",
                "move devices to a database without tenancy (another entry of databases: on the same shards, with its own "
                        + "backend_database), or shard it by the tenant id with function: directory, group: tenants");
    }

    @Test
    void aTenantDatabaseHasNoReferenceTables() {
        // A tenant's write would reach its tenant's shard only: the copies would drift apart.
        assertProblem("""
                backends: { s0: { url: "postgresql://app@h0/saas" }, s1: { url: "postgresql://app@h1/saas" } }
                databases:
                  saas:
                    shards: [s0, s1]
                    tenancy: { directory: tenants }
                    tables:
                      projects:   { key: tenant_id, function: directory, group: tenants }
                      currencies: { kind: reference }
                """, 8, "databases.saas.tables.currencies is a reference table, but database 'saas' has tenancy: a tenant's "
                        + "session goes to its tenant's shard unparsed, so its writes to currencies would change that shard's "
                        + "copy only",
                "move currencies to a database without tenancy (another entry of databases: on the same shards, with its "
                        + "own backend_database), or leave it out of tables: (then it lives on each shard as that shard's own "
                        + "table)");
    }

    @Test
    void bigTablesHashedOverBucketsLiveInASecondDatabaseOfTheSameFile() {
        ProxyConfig config = ConfigLoader.parse("""
                backends: { s0: { url: "postgresql://app@h0/saas" }, s1: { url: "postgresql://app@h1/saas" } }
                databases:
                  saas:
                    shards: [s0, s1]
                    tenancy: { directory: tenants }
                    tables:
                      projects: { key: tenant_id, function: directory, group: tenants }
                  analytics:
                    shards: [s0, s1]
                    backend_database: analytics
                    tables: { events: { key: id, function: hash, buckets: 12 } }
                """, "pgsteer.yaml", Map.of());
        assertTrue(config.databases().get("saas").isTenanted());
        assertEquals(12, ((ShardFunction.Hash) ((TableConfig.Sharded) config.databases().get("analytics").tables()
                .get("events")).function()).buckets().buckets());
    }

    @Test
    void tenancyWithADirectoryOfTenantsShardsItsTables() {
        DatabaseConfig saas = ConfigLoader.parse("""
                backends: { s0: { url: "postgresql://app@h0/saas" }, s1: { url: "postgresql://app@h1/saas" } }
                databases:
                  saas:
                    shards: [s0, s1]
                    tenancy: { directory: Tenants }
                    tables: { projects: { key: tenant_id, function: directory, group: tenants } }
                """, "pgsteer.yaml", Map.of()).databases().get("saas");
        assertEquals("tenants", saas.tenancy().directory());
        assertTrue(saas.isTenanted() && saas.isSharded(), "a tenant's session by tenant, an operator's by key");
    }

    @Test
    void aMetadataStoreWithoutUrl() {
        assertProblem(BASE + """
                metadata_store:
                  schema: pgsteer
                """, 9, "metadata_store has no url",
                "write metadata_store: { url: \"postgresql://USER:PASSWORD@HOST:PORT/DATABASE\" }");
    }

    @Test
    void aMetadataStoreWithABadUrlDoesNotRepeatThePassword() {
        ConfigProblem p = onlyProblem(failure(BASE + "metadata_store: { url: \"mysql://u:secret@h/db\" }\n"));

        assertEquals(8, p.line());
        assertEquals("metadata_store.url: the scheme 'mysql' is not postgresql:// or postgres://", p.what());
        assertEquals("write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE", p.fix());
    }

    @Test
    void aMetadataStoreSchemaPostgreSQLWouldCut() {
        assertProblem(BASE + "metadata_store: { url: \"postgresql://h/m\", schema: " + "s".repeat(64) + " }\n", 8,
                "metadata_store.schema: '" + "s".repeat(64) + "' is longer than PostgreSQL's 63-byte names",
                "use a shorter schema name, like pgsteer");
    }

    @Test
    void aTenantWithoutARoleStillLoadsButIsWarnedOfWithItsLineAndFix() {
        ProxyConfig config = parse(BASE + """
                tenants:
                  acme:   { database: saas, mode: schema, role: acme, role_password: pw }
                  globex: { database: saas, mode: shared, shard: s1 }
                """);

        assertEquals(2, config.tenants().size());
        List<ConfigProblem> warnings = RolelessTenants.warnings(config);
        assertEquals(1, warnings.size(), warnings.toString());
        ConfigProblem w = warnings.getFirst();
        assertEquals(List.of("pgsteer.yaml", 10), List.of(w.file(), w.line()));
        assertEquals("WARNING: tenant 'globex' has no role: its connections log in as app, the backend's own login, so "
                + "PostgreSQL does not keep it from other tenants' data (only pgsteer's lexical guard does); "
                + "trusted tenants only", w.what());
        assertEquals("add role: globex and role_password: to tenants.globex (a LOGIN role that is neither superuser nor "
                + "BYPASSRLS, granted only this tenant's objects; CREATE TENANT in the admin console makes one)", w.fix());
        assertEquals("pgsteer.yaml:10: " + w.what() + ". Fix: " + w.fix(), w.toString());
    }

    @Test
    void tenantsThatAllHaveRolesAreNotWarnedOf() {
        assertEquals(List.of(), RolelessTenants.warnings(parse(ISSUE_EXAMPLE.replace("mode: shared, shard: s1 }",
                "mode: shared, shard: s1, role: globex }").replace("backend: initech_db }", "backend: initech_db, role: initech }"))));
    }
}
