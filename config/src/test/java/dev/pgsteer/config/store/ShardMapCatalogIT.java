package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalog check against a real PostgreSQL: one server, two databases (shard_a, shard_b) standing
 * for two shards, as two backends of the file.
 */
class ShardMapCatalogIT {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_prepared_transactions", "10").start();
        try (Connection admin = postgres.getPostgresDatabase().getConnection(); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE shard_a");
            st.execute("CREATE DATABASE shard_b");
        }
        for (String db : List.of("shard_a", "shard_b")) {
            sql(db, """
                    CREATE TABLE orders (id bigint, customer_id bigint, total numeric);
                    CREATE TABLE accounts (id uuid PRIMARY KEY, name text);
                    CREATE TABLE regions (region text, name text);
                    CREATE TABLE items (id int, name text);
                    CREATE DOMAIN tenant_id AS varchar(40);
                    CREATE TABLE tenants (tenant tenant_id);
                    CREATE TABLE prices (amount numeric);
                    CREATE TABLE events (created_at date);
                    """);
        }
        sql("shard_a", "CREATE TABLE mixed (k bigint); CREATE TABLE only_a (k int)");
        sql("shard_b", "CREATE TABLE mixed (k text)");
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static void sql(String database, String statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database, "postgres", "");
                Statement st = c.createStatement()) {
            st.execute(statements);
        }
    }

    private static ProxyConfig config(String tables) {
        String yaml = """
                backends:
                  a: { url: "postgresql://postgres@127.0.0.1:%1$d/shard_a" }
                  b: { url: "postgresql://postgres@127.0.0.1:%1$d/shard_b" }
                databases:
                  shop:
                    shards: [a, b]
                    tables:
                """.formatted(postgres.getPort()) + tables.indent(6);
        return ConfigLoader.parse(yaml, "pgsteer.yaml", Map.of());
    }

    private static TableConfig.Sharded table(ProxyConfig config, String name) {
        return (TableConfig.Sharded) config.databases().get("shop").table(name).orElseThrow();
    }

    @Test
    void theKeyTypeIsLearnedFromTheCatalogs() {
        ProxyConfig config = config("""
                orders: { key: customer_id, function: hash }
                accounts: { key: id, function: hash }
                regions: { key: region, function: list, lists: {eu: a, us: b} }
                tenants: { key: tenant, function: hash }
                events: { key: created_at, function: range, ranges: [{to: '2025-01-01', shard: a}, {shard: b}] }
                currencies: { kind: reference }
                """);

        ShardMapCatalog.Result result = new ShardMapCatalog().check(config);

        assertEquals(List.of(), result.problems());
        assertEquals(List.of(), result.warnings());
        ProxyConfig checked = result.applyTo(config);
        assertEquals(KeyType.INTEGER, table(checked, "orders").keyType(), "bigint");
        assertEquals(KeyType.UUID, table(checked, "accounts").keyType());
        assertEquals(KeyType.TEXT, table(checked, "regions").keyType());
        assertEquals(KeyType.TEXT, table(checked, "tenants").keyType(), "a domain over varchar");
        assertEquals(KeyType.DATE, table(checked, "events").keyType());
        assertEquals(new TableConfig.Reference("currencies"), checked.databases().get("shop").table("currencies").orElseThrow());
    }

    @Test
    void aMissingKeyColumnIsAProblemWithFileAndLine() {
        ProxyConfig config = config("""
                orders: { key: customer_id, function: hash }
                items: { key: sku, function: hash }
                """);

        ShardMapCatalog.Result result = new ShardMapCatalog().check(config);

        assertEquals(2, result.problems().size(), result.problems().toString());
        ConfigProblem p = result.problems().get(0);
        assertEquals("pgsteer.yaml", p.file());
        assertEquals(9, p.line());
        assertEquals("databases.shop.tables.items: key column 'sku' is not in table items on shard a (database shard_a); "
                + "its columns are id, name", p.what());
        assertEquals("correct key: to the column the table is sharded by, or add column sku to the table on every shard",
                p.fix());
        ConfigException e = assertThrows(ConfigException.class, () -> result.applyTo(config));
        assertTrue(e.getMessage().startsWith("pgsteer.yaml:9: databases.shop.tables.items: key column 'sku'"), e.getMessage());
    }

    @Test
    void aTableNotCreatedYetOnlyWarns() {
        ProxyConfig config = config("""
                later: { key: id, function: hash, type: bigint }
                only_a: { key: k, function: hash }
                """);

        ShardMapCatalog.Result result = new ShardMapCatalog().check(config);

        assertEquals(List.of(), result.problems());
        assertEquals(List.of(
                "pgsteer.yaml:8: databases.shop.tables.later: table later does not exist yet on shard a (database "
                        + "shard_a); its key column id is not checked there (it is at the next start)",
                "pgsteer.yaml:8: databases.shop.tables.later: table later does not exist yet on shard b (database "
                        + "shard_b); its key column id is not checked there (it is at the next start)",
                "pgsteer.yaml:9: databases.shop.tables.only_a: table only_a does not exist yet on shard b (database "
                        + "shard_b); its key column k is not checked there (it is at the next start)"),
                result.warnings());
        ProxyConfig checked = result.applyTo(config);
        assertEquals(KeyType.INTEGER, table(checked, "later").keyType(), "the declared type is kept");
        assertEquals(KeyType.INTEGER, table(checked, "only_a").keyType(), "learned from the shard that has it");
    }

    @Test
    void typesTheCatalogsContradict() {
        ProxyConfig config = config("""
                mixed: { key: k, function: hash }
                prices: { key: amount, function: hash }
                orders: { key: customer_id, function: hash, type: uuid }
                events: { key: created_at, function: hash }
                items: { key: id, function: range, ranges: [{to: 10, shard: a}, {to: 9x, shard: b}] }
                """);

        List<ConfigProblem> problems = new ShardMapCatalog().check(config).problems();

        assertEquals(List.of(
                "databases.shop.tables.mixed: key column 'k' of table mixed has different types on the shards: "
                        + "bigint on a, text on b",
                "databases.shop.tables.prices: key column 'amount' of table prices is numeric on shard a, a type routing "
                        + "cannot shard by",
                "databases.shop.tables.prices: key column 'amount' of table prices is numeric on shard b, a type routing "
                        + "cannot shard by",
                "databases.shop.tables.orders: type: uuid is declared, but key column 'customer_id' of table orders is "
                        + "bigint on a (integer)",
                "databases.shop.tables.events: hash sharding does not support its key type: key column 'created_at' "
                        + "of table events is date on a",
                "databases.shop.tables.items: range bound '9x' is not an integer, and key column 'id' of table items is "
                        + "integer on a"),
                problems.stream().map(ConfigProblem::what).toList());
        assertEquals(List.of(8, 9, 9, 10, 11, 12), problems.stream().map(ConfigProblem::line).toList());
        assertEquals("write type: integer, or remove type: to learn it from the catalog", problems.get(3).fix());
        assertEquals("write them as integer values, like 1000", problems.get(5).fix(),
                "the file's bounds looked like text; the catalog says integer, so they are checked again");
    }

    @Test
    void anUnreachableBackendOnlyWarns() {
        ProxyConfig config = ConfigLoader.parse("""
                backends:
                  a: { url: "postgresql://postgres:secret@127.0.0.1:%d/shard_a" }
                  gone: { url: "postgresql://postgres:secret@127.0.0.1:1/shard_b" }
                databases:
                  shop:
                    shards: [a, gone]
                    tables: { orders: { key: customer_id, function: hash } }
                """.formatted(postgres.getPort()), "pgsteer.yaml", Map.of());

        ShardMapCatalog.Result result = new ShardMapCatalog().check(config);

        assertEquals(List.of(), result.problems());
        assertEquals(1, result.warnings().size());
        String warning = result.warnings().getFirst();
        assertTrue(warning.startsWith("pgsteer.yaml: cannot check the shard map of database shop on shard gone "
                + "(postgresql://postgres@127.0.0.1:1/shard_b, database shard_b): "), warning);
        assertTrue(!warning.contains("secret"), warning);
        assertEquals(KeyType.INTEGER, table(result.applyTo(config), "orders").keyType());
    }

    @Test
    void anUnshardedDatabaseIsNotChecked() {
        ProxyConfig config = ConfigLoader.parse("""
                backends: { gone: { url: "postgresql://postgres@127.0.0.1:1/x" } }
                databases: { app: { shards: [gone] } }
                """, "pgsteer.yaml", Map.of());

        ShardMapCatalog.Result result = new ShardMapCatalog().check(config);

        assertEquals(Map.of(), result.databases());
        assertEquals(List.of(), result.warnings());
        assertNull(result.applyTo(config).databases().get("app").backendDatabase());
    }
}
