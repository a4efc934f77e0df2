package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.DirectoryDefault;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.directory.KeyCaches;
import dev.pgsteer.router.directory.KeyNotCached;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Routing by a key directory ({@code function: directory}): a key the directory holds goes to its
 * shard, one it does not hold by the table's {@code unknown:}, one this instance has not cached is
 * looked up first ({@link KeyNotCached}).
 *
 * <pre>
 *   accounts, invoices   tenant_id (text), group tenants, unknown: refuse    acme on s1, globex on s2, initech on s0
 *   devices              device (integer), group devices, unknown: { shard: s2 }   7 on s0
 *   samples              device (integer), group samples, unknown: hash with 12 buckets   42 on s1
 *                        (integer 3 is in cell 1 (s1), 5 in cell 5 (s2), 16 in cell 0 (s0): BucketRoutingTest)
 * </pre>
 */
class DirectoryRoutingTest {
    static final List<String> SHARDS = List.of("s0", "s1", "s2");

    final KeyCaches keys = KeyCaches.standalone("shop");
    final Router router = new Router(ShardRouter.of(shop(), Collations.BYTEWISE_DEFAULT, Functions.BUILTIN, 100, keys));

    DirectoryRoutingTest() {
        keys.group("tenants").changed("acme", "s1");
        keys.group("tenants").changed("globex", "s2");
        keys.group("tenants").changed("initech", "s0");
        keys.group("devices").changed("7", "s0");
        keys.group("samples").changed("42", "s1");
    }

    private static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        ShardFunction tenants = new ShardFunction.Directory("tenants", new DirectoryDefault.Refuse());
        tables.put("accounts", new TableConfig.Sharded("accounts", "tenant_id", tenants, KeyType.TEXT));
        tables.put("invoices", new TableConfig.Sharded("invoices", "tenant_id", tenants, KeyType.TEXT));
        tables.put("devices", new TableConfig.Sharded("devices", "device",
                new ShardFunction.Directory("devices", new DirectoryDefault.OnShard("s2")), KeyType.INTEGER));
        tables.put("samples", new TableConfig.Sharded("samples", "device", new ShardFunction.Directory("samples",
                new DirectoryDefault.Hashed(BucketMap.even(12, SHARDS))), KeyType.INTEGER));
        return new DatabaseConfig("shop", SHARDS, "s0", tables, null, PoolConfig.defaults());
    }

    String answer(String sql) {
        return RouterFixture.describe(router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, false)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM accounts WHERE tenant_id = 'acme'                      | run s1 one read (shard key of accounts)
            SELECT * FROM accounts WHERE tenant_id = 'globex'                    | run s2 one read (shard key of accounts)
            SELECT * FROM accounts WHERE tenant_id IN ('acme', 'initech')        | run s0 s1 combine read (shard key of accounts)
            UPDATE invoices SET paid = true WHERE tenant_id = 'initech'           | run s0 one write (shard key of invoices)
            INSERT INTO accounts (tenant_id, name) VALUES ('acme', 'a'), ('globex', 'g') | run s1 s2 combine write (shard key of accounts, rows split by shard)
            SELECT * FROM accounts                                               | run s0 s1 s2 combine read (no usable condition on the shard key of accounts: every shard)
            SELECT * FROM devices WHERE device = 7                               | run s0 one read (shard key of devices)
            SELECT * FROM samples WHERE device = 42                              | run s1 one read (shard key of samples)
            """)
    void aKeyTheDirectoryHoldsGoesToItsShard(String sql, String command) {
        assertEquals(command, answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM devices WHERE device = 8                               | run s2 one read (shard key of devices)
            INSERT INTO devices (device) VALUES (7), (9)                         | run s0 s2 combine write (shard key of devices, rows split by shard)
            SELECT * FROM samples WHERE device = 3                               | run s1 one read (shard key of samples)
            SELECT * FROM samples WHERE device = 5                               | run s2 one read (shard key of samples)
            SELECT * FROM samples WHERE device = 16                              | run s0 one read (shard key of samples)
            """)
    void aKeyItDoesNotHoldGoesByTheTablesDefault(String sql, String command) {
        assertEquals(command, answer(sql));
    }

    @Test
    void anUnknownKeyIsRefusedByDefaultWithTheKeyAndTheFix() {
        assertEquals("refused 23514 no shard of table \"accounts\" holds tenant_id = 'zeta'; directory group tenants does not "
                        + "hold the key: assign it on the admin console, ASSIGN KEY 'zeta' OF tenants TO <shard>, or give the "
                        + "table a default for unknown keys (unknown: hash, or unknown: { shard: NAME })",
                answer("SELECT * FROM accounts WHERE tenant_id = 'zeta'"));
    }

    @Test
    void tablesOfOneGroupAreJoinedShardByShard() {
        assertEquals("run s2 one read (shard key of accounts, invoices)", answer(
                "SELECT * FROM accounts a JOIN invoices i ON i.tenant_id = a.tenant_id WHERE a.tenant_id = 'globex'"));
        assertEquals("run s0 s1 s2 combine read (no usable condition on the shard key of accounts, invoices: every shard)",
                answer("SELECT * FROM accounts a JOIN invoices i ON i.tenant_id = a.tenant_id"));
    }

    @Test
    void tablesOfOtherGroupsAreNot() {
        assertEquals("coordinate on s0 pulling devices samples",
                answer("SELECT * FROM devices d JOIN samples s ON s.device = d.device"));
    }

    @Test
    void aChangeIsRoutedByTheNextStatement() {
        keys.group("tenants").changed("acme", "s0");
        assertEquals("run s0 one read (shard key of accounts)", answer("SELECT * FROM accounts WHERE tenant_id = 'acme'"));
        keys.group("tenants").changed("acme", null);
        assertEquals("refused 23514", answer("SELECT * FROM accounts WHERE tenant_id = 'acme'").substring(0, 13));
    }

    @Test
    void aKeyAssignedToAShardTheDatabaseLacksIsRefused() {
        keys.group("tenants").changed("hooli", "s9");
        assertEquals("refused 55000 key 'hooli' of directory group tenants is assigned to shard s9, which is not one of the "
                        + "database's shards [s0, s1, s2]; assign it to one of them (ASSIGN KEY on the admin console), or add "
                        + "the shard to the file",
                answer("SELECT * FROM accounts WHERE tenant_id = 'hooli'"));
    }

    @Test
    void aKeyThisInstanceHasNotCachedIsLookedUpFirst() {
        KeyCaches following = KeyCaches.following("shop", 10);
        Router cold = new Router(ShardRouter.of(shop(), Collations.BYTEWISE_DEFAULT, Functions.BUILTIN, 100, following));
        KeyNotCached miss = assertThrows(KeyNotCached.class, () -> cold.route(SqlLexer.statement(
                "SELECT * FROM accounts WHERE tenant_id = $1"), n -> KeySource.text("acme"), new RouteContext(Set.of(), false, true)));
        assertEquals(List.of("shop", "tenants", "acme"), List.of(miss.cache().database(), miss.cache().group(), miss.key()));

        miss.cache().fill("acme", "s2", miss.cache().epoch());
        assertEquals("run s2 one read (shard key of accounts)", RouterFixture.describe(cold.route(SqlLexer.statement(
                "SELECT * FROM accounts WHERE tenant_id = $1"), n -> KeySource.text("acme"), new RouteContext(Set.of(), false, true))));
    }

    @Test
    void keysAreComparedAsTheKeyTypeNormalizesThem() {
        // Integer 007 is 7: the directory holds keys as routing normalizes them.
        assertEquals("run s0 one read (shard key of devices)", answer("SELECT * FROM devices WHERE device = '007'"));
    }
}
