package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddedShardsTest {
    static final String FILE = """
            listen: 127.0.0.1:6432
            users:
              app: { password: pw }
            backends:
              s0: { url: "postgresql://app:secret@db0:5432/shop" }
              s1: { url: "postgresql://app:secret@db1:5432/shop" }
              %s
            databases:
              shop:
                shards: [s0, s1]
                tables:
                  orders: { key: id, function: hash }
              plain:
                shards: [s0]
            """;

    static ProxyConfig file(String extraBackend) {
        return ConfigLoader.parse(FILE.formatted(extraBackend), "test.yaml", Map.of());
    }

    static AddedShards added(AddedShard... shards) {
        return new AddedShards(1, List.of(shards));
    }

    @Test
    void anAddedShardIsABackendAndTheLastShardOfItsDatabaseWithTheDefaultShardsLogin() {
        ProxyConfig merged = added(new AddedShard("shop", "s2", BackendUrl.parse("postgresql://db2:5433/shop"))).applyTo(file(""));
        assertEquals(List.of("s0", "s1", "s2"), merged.databases().get("shop").shards());
        assertEquals("s0", merged.databases().get("shop").defaultShard());
        BackendUrl url = merged.backends().get("s2").url();
        assertEquals(List.of("db2", 5433, "app", "secret", "shop"), List.of(url.host(), url.port(), url.user(), url.password(),
                url.database()));
        assertEquals(List.of("s0"), merged.databases().get("plain").shards());
    }

    @Test
    void anotherUserInTheUrlGetsNoPasswordOfTheFile() {
        BackendUrl url = added(new AddedShard("shop", "s2", BackendUrl.parse("postgresql://ops@db2:5432/shop"))).applyTo(file(""))
                .backends().get("s2").url();
        assertEquals("ops", url.user());
        assertEquals(null, url.password());
        BackendUrl own = added(new AddedShard("shop", "s2", BackendUrl.parse("postgresql://ops:pw2@db2:5432/shop"))).applyTo(file(""))
                .backends().get("s2").url();
        assertEquals("pw2", own.password());
    }

    @Test
    void mergingTwiceChangesNothing() {
        AddedShards shards = added(new AddedShard("shop", "s2", BackendUrl.parse("postgresql://db2:5432/shop")));
        ProxyConfig once = shards.applyTo(file(""));
        assertSame(once, shards.applyTo(once));
    }

    @Test
    void aFileThatNamesTheShardWithTheSameServerIsTheSameShard() {
        ProxyConfig withS2 = file("s2: { url: \"postgresql://app:other@db2:5432/shop\" }");
        ProxyConfig merged = added(new AddedShard("shop", "s2", BackendUrl.parse("postgresql://db2:5432/shop"))).applyTo(withS2);
        assertEquals(List.of("s0", "s1", "s2"), merged.databases().get("shop").shards());
        // The file's backend wins, with its own login.
        assertEquals("other", merged.backends().get("s2").url().password());
    }

    @Test
    void aFileThatNamesTheShardWithAnotherServerIsAnErrorThatSaysSo() {
        ProxyConfig withS2 = file("s2: { url: \"postgresql://app:secret@elsewhere:5432/shop\" }");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> added(
                new AddedShard("shop", "s2", BackendUrl.parse("postgresql://db2:5432/shop"))).applyTo(withS2));
        assertTrue(e.getMessage().contains("shard s2 of database shop was added (ADD SHARD, kept in the metadata store) as "
                + "postgresql://db2:5432/shop, but backend s2 of the configuration is postgresql://elsewhere:5432/shop"), e.getMessage());
    }

    @Test
    void aShardOfADatabaseTheFileDoesNotShardIsLeftOutAndNamed() {
        AddedShards shards = added(new AddedShard("gone", "s2", BackendUrl.parse("postgresql://db2:5432/shop")),
                new AddedShard("plain", "s3", BackendUrl.parse("postgresql://db3:5432/shop")));
        ProxyConfig config = file("");
        assertSame(config, shards.applyTo(config));
        assertEquals(List.of("s2", "s3"), shards.unplaced(config).stream().map(AddedShard::name).toList());
    }
}
