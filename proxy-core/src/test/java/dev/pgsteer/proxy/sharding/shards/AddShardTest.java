package dev.pgsteer.proxy.sharding.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.AddedShard;
import dev.pgsteer.config.AddedShards;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.ShardStore;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.protocol.SqlState;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What ADD SHARD refuses before it connects anywhere: each with its SQLSTATE, its reason and the fix. */
class AddShardTest {
    static final ProxyConfig CONFIG = ConfigLoader.parse("""
            listen: 127.0.0.1:6432
            users:
              app: { password: pw }
            backends:
              s0: { url: "postgresql://app:secret@db0:5432/shop" }
              s1: { url: "postgresql://app:secret@db1:5432/shop" }
            databases:
              shop:
                shards: [s0, s1]
                tables:
                  orders: { key: id, function: hash }
              fixed:
                shards: [s0, s1]
                backend_database: fixed_db
                tables:
                  items: { key: id, function: hash }
            """, "test.yaml", Map.of());

    /** A store that must not be reached: every refusal here comes before it. */
    static final ShardStore UNREACHED = new ShardStore() {
        @Override
        public AddedShards load() {
            throw new AssertionError("not reached");
        }

        @Override
        public AddedShards add(AddedShard shard) {
            throw new AssertionError("not reached");
        }

        @Override
        public void follow(Consumer<AddedShards> onChange) {
        }

        @Override
        public String describe() {
            return "test";
        }
    };

    static ShardChangeException refused(Optional<ShardStore> store, String name, String url, String database) {
        return assertThrows(ShardChangeException.class,
                () -> AddShard.run(CONFIG, new ShardList(store), new AddShard.Request(name, url, database, false)));
    }

    static ShardChangeException refused(String name, String url, String database) {
        return refused(Optional.of(UNREACHED), name, url, database);
    }

    @Test
    void withoutAMetadataStoreItIsRefusedWithTheReasonAndTheFix() {
        ShardChangeException e = refused(Optional.empty(), "s2", "postgresql://db2:5432/shop", "shop");
        assertEquals(SqlState.FEATURE_NOT_SUPPORTED, e.state());
        assertTrue(e.getMessage().contains("lost at its restart and unseen by other instances"), e.getMessage());
        assertTrue(e.hint().contains("metadata_store:") && e.hint().contains("RELOAD"), e.hint());
    }

    @Test
    void theDatabaseMustBeNamedWhenThereAreSeveralAndBeSharded() {
        ShardChangeException which = refused("s2", "postgresql://db2:5432/shop", null);
        assertEquals(SqlState.INVALID_PARAMETER_VALUE, which.state());
        assertEquals("which database? this pgsteer serves shop, fixed", which.getMessage());
        assertEquals("add TO database", which.hint());
        assertEquals(SqlState.INVALID_CATALOG_NAME, refused("s2", "postgresql://db2:5432/shop", "nope").state());
    }

    @Test
    void aNameTheDatabaseHasOrAServerItUsesIsRefused() {
        ShardChangeException name = refused("s1", "postgresql://db2:5432/shop", "shop");
        assertEquals(SqlState.DUPLICATE_OBJECT, name.state());
        assertEquals("database shop has a shard s1 already", name.getMessage());
        ShardChangeException server = refused("s2", "postgresql://db1:5432/shop", "shop");
        assertEquals(SqlState.DUPLICATE_OBJECT, server.state());
        assertEquals("that server and database are shard s1 of database shop already", server.getMessage());
        assertEquals(SqlState.INVALID_PARAMETER_VALUE, refused("2bad", "postgresql://db2:5432/shop", "shop").state());
    }

    @Test
    void aUrlThatDoesNotParseOrNamesAnotherBackendDatabaseIsRefused() {
        assertEquals(SqlState.INVALID_PARAMETER_VALUE, refused("s2", "mysql://db2/shop", "shop").state());
        ShardChangeException other = refused("s2", "postgresql://db2:5432/shop", "fixed");
        assertEquals(SqlState.INVALID_PARAMETER_VALUE, other.state());
        assertTrue(other.getMessage().contains("backend_database fixed_db on every shard"), other.getMessage());
    }
}
