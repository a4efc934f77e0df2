package dev.pgsteer.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.backend.BackendTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which settings a reload gives each pool, and how it words what changed. */
class ConfigReloaderTest {
    static ProxyConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "pgsteer.yaml", Map.of());
    }

    static final String FILE = """
            users:
              app: { password: app-secret }
            backends:
              main: { url: "postgresql://pg:pw@db1:5432/app" }
              s0: { url: "postgresql://pg:pw@db2:5432/shop" }
              s1: { url: "postgresql://pg:pw@db3:5432/shop" }
            databases:
              app: { shards: [main], pool: { size: 7 } }
              shop: { shards: [s0, s1], pool: { size: 3, acquire_timeout: 2s } }
              "*": { shards: [main], pool: { size: 2 } }
            """;

    @Test
    void eachPoolTakesTheSettingsOfTheDatabaseThatReachesIt() {
        ProxyConfig config = parse(FILE);
        assertEquals(7, ConfigReloader.settingsFor(config, new BackendTarget("main", "db1", 5432, "pg", "pw", "app")).orElseThrow().maxSize());
        assertEquals(Duration.ofSeconds(2),
                ConfigReloader.settingsFor(config, new BackendTarget("s1", "db3", 5432, "pg", "pw", "shop")).orElseThrow().acquireTimeout());
        assertEquals(2, ConfigReloader.settingsFor(config, new BackendTarget("main", "db1", 5432, "pg", "pw", "other")).orElseThrow().maxSize(),
                "the passthrough entry reaches every other database of its backend");
    }

    @Test
    void aPoolNoDatabaseReachesAnyMoreGetsNoSettings() {
        ProxyConfig config = parse(FILE);
        assertEquals(Optional.empty(), ConfigReloader.settingsFor(config, new BackendTarget("s1", "db3", 5432, "pg", "old-pw", "shop")));
        assertEquals(Optional.empty(), ConfigReloader.settingsFor(config, new BackendTarget("gone", "db9", 5432, "pg", "pw", "shop")));
    }

    @Test
    void changesNameWhatWasAddedRemovedOrChangedAndNeverAPassword() {
        ProxyConfig before = parse(FILE);
        ProxyConfig after = parse(FILE.replace("app: { password: app-secret }", "app: { password: new-secret }\n  bob: { password: b }")
                .replace("  app: { shards: [main], pool: { size: 7 } }\n", "")
                .replace("auth", "auth"));
        List<String> changes = ConfigReloader.changes(before, after);
        assertEquals(List.of("users ~app +bob", "databases -app"), changes);
    }
}
