package dev.pgsteer.config.yaml;

import static dev.pgsteer.config.yaml.ConfigErrorsTest.failure;
import static dev.pgsteer.config.yaml.ConfigErrorsTest.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.DirectoryDefault;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code function: directory}: what it loads as ({@code group:}, {@code unknown:}), and each wrong
 * entry reported with its line and fix. The backends s0, s1, s2 are lines 1 to 4; {@code databases:}
 * is line 5, {@code shop:} 6, {@code shards:} 7, {@code tables:} 8, the first table 9.
 */
class DirectoryConfigTest {

    private static final String HEAD = """
            backends:
              s0: { url: "postgresql://app@h0/shop" }
              s1: { url: "postgresql://app@h1/shop" }
              s2: { url: "postgresql://app@h2/shop" }
            databases:
              shop:
                shards: [s0, s1, s2]
                tables:
            """;

    private static DatabaseConfig shop(String tables) {
        return ConfigLoader.parse(HEAD + tables.indent(6), "pgsteer.yaml", Map.of()).databases().get("shop");
    }

    private static ShardFunction function(DatabaseConfig shop, String name) {
        return ((TableConfig.Sharded) shop.table(name).orElseThrow()).function();
    }

    private static void assertProblem(String tables, int line, String what, String fix) {
        ConfigProblem p = onlyProblem(failure(HEAD + tables.indent(6)));
        assertEquals(List.of(line, what, fix), List.of(p.line(), p.what(), p.fix()), p.toString());
    }

    @Test
    void aDirectoryTableRefusesUnknownKeysByDefaultAndIsItsOwnGroup() {
        DatabaseConfig shop = shop("accounts: { key: tenant_id, function: directory }");

        assertEquals(new ShardFunction.Directory("accounts", new DirectoryDefault.Refuse()), function(shop, "accounts"));
        assertEquals(List.of("s0", "s1", "s2"), shop.shardsOf((TableConfig.Sharded) shop.table("accounts").orElseThrow()),
                "the directory may place a key on any shard");
    }

    @Test
    void tablesOfOneGroupHaveEqualFunctionsSoTheyAreColocated() {
        DatabaseConfig shop = shop("""
                accounts: { key: tenant_id, function: directory, group: Tenants }
                invoices: { key: tenant_id, function: directory, group: tenants, unknown: refuse }
                """);

        assertEquals(function(shop, "accounts"), function(shop, "invoices"));
        assertEquals(new ShardFunction.Directory("tenants", new DirectoryDefault.Refuse()), function(shop, "invoices"));
    }

    @Test
    void unknownKeysOnAShardOrHashed() {
        DatabaseConfig shop = shop("""
                events:  { key: device, function: directory, unknown: { shard: s2 } }
                metrics: { key: device, function: directory, unknown: hash }
                samples: { key: device, function: directory, unknown: hash, buckets: 12 }
                """);

        assertEquals(new DirectoryDefault.OnShard("s2"), ((ShardFunction.Directory) function(shop, "events")).unknown());
        assertEquals(new DirectoryDefault.Hashed(null), ((ShardFunction.Directory) function(shop, "metrics")).unknown());
        assertEquals(new DirectoryDefault.Hashed(BucketMap.even(12, List.of("s0", "s1", "s2"))),
                ((ShardFunction.Directory) function(shop, "samples")).unknown());
    }

    @Test
    void anUnknownDefaultIsNamedWithTheValidOnes() {
        assertProblem("accounts: { key: tenant_id, function: directory, unknown: s1 }", 9,
                "databases.shop.tables.accounts.unknown: 's1' is not a default for unknown keys; valid ones are refuse, hash, "
                        + "{ shard: NAME }",
                "write unknown: { shard: s1 } to send unknown keys there");
        assertProblem("accounts: { key: tenant_id, function: directory, unknown: refuze }", 9,
                "databases.shop.tables.accounts.unknown: 'refuze' is not a default for unknown keys; valid ones are refuse, "
                        + "hash, { shard: NAME }",
                "did you mean 'refuse'? write unknown: refuse, unknown: hash or unknown: { shard: NAME }");
    }

    @Test
    void aDefaultShardMustBeOneOfTheDatabases() {
        assertProblem("accounts: { key: tenant_id, function: directory, unknown: { shard: s7 } }", 9,
                "databases.shop.tables.accounts.unknown.shard names shard 's7', which is not defined",
                "did you mean 's0'? use one of databases.shop.shards (s0, s1, s2)");
    }

    @Test
    void bucketsWithoutUnknownHashAreRefused() {
        assertProblem("""
                accounts:
                  key: tenant_id
                  function: directory
                  buckets: 12
                """, 12,
                "databases.shop.tables.accounts.buckets applies to function directory only with unknown: hash (unknown keys "
                        + "hashed over these buckets)",
                "remove buckets:, or write unknown: hash");
    }

    @Test
    void groupAndUnknownBelongToDirectoryOnly() {
        assertProblem("orders: { key: customer_id, function: hash, group: customers }", 9,
                "databases.shop.tables.orders.group does not apply to function hash",
                "remove group:, or use function: directory");
    }

    @Test
    void tablesOfOneGroupMustPlaceUnknownKeysAlike() {
        assertProblem("""
                accounts: { key: tenant_id, function: directory, group: tenants }
                invoices: { key: tenant_id, function: directory, group: tenants, unknown: { shard: s1 } }
                """, 10,
                "databases.shop.tables.invoices is in directory group tenants with accounts, but places unknown keys by "
                        + "shard s1 where accounts uses refuse",
                "give the tables of group tenants the same unknown: (and buckets:), or another group:");
    }

    @Test
    void aGroupNameIsAPlainWord() {
        assertProblem("accounts: { key: tenant_id, function: directory, group: 'my tenants' }", 9,
                "databases.shop.tables.accounts.group: 'my tenants' is not a group name",
                "use up to 63 letters, digits, _, . or -, like group: tenants");
    }
}
