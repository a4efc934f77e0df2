package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {

    private static final ListenAddress LISTEN = ListenAddress.parse("127.0.0.1:6433");

    @Test
    void quickModeWithADatabaseOffersOnlyThatDatabase() {
        ProxyConfig config = ProxyConfig.quick(LISTEN, BackendUrl.parse("postgresql://alice:pw@db:5432/shop"));

        assertEquals("--backend", config.source());
        assertEquals(LISTEN, config.listen());
        assertEquals(AuthMethod.SCRAM_SHA_256, config.auth());
        assertEquals(Map.of("alice", new UserConfig("alice", "pw", true)), config.users(), "quick mode's one user is an admin");
        assertEquals(List.of("main"), List.copyOf(config.backends().keySet()));
        assertEquals(List.of("shop"), List.copyOf(config.databases().keySet()));
        assertEquals(Optional.empty(), config.database("other"));
        assertEquals("shop", config.backendDatabaseName(config.database("shop").orElseThrow(), "shop"));
    }

    @Test
    void quickModeWithoutADatabasePassesEveryDatabaseThrough() {
        ProxyConfig config = ProxyConfig.quick(LISTEN, BackendUrl.parse("postgresql://alice:pw@db"));

        DatabaseConfig db = config.database("anything").orElseThrow();
        assertTrue(db.isPassthrough());
        assertEquals("anything", config.backendDatabaseName(db, "anything"));
        assertEquals("main", config.backendOf(db).name());
    }

    @Test
    void quickModeNeedsCredentialsInTheUrl() {
        assertThrows(IllegalArgumentException.class, () -> ProxyConfig.quick(LISTEN, BackendUrl.parse("postgresql://db/x")));
    }

    @Test
    void anExactEntryWinsOverThePassthroughEntry() {
        ProxyConfig config = ConfigLoader.parse("""
                backends: { main: { url: "postgresql://u:p@h/fromurl" } }
                databases:
                  "*": { shards: [main] }
                  app: { shards: [main] }
                """, "test", Map.of());

        assertEquals("app", config.database("app").orElseThrow().name());
        assertEquals("*", config.database("else").orElseThrow().name());
        assertEquals("fromurl", config.backendDatabaseName(config.database("app").orElseThrow(), "app"),
                "without backend_database, the URL's database is used");
    }

    @Test
    void withoutBackendDatabaseOrUrlDatabaseTheLogicalNameIsUsed() {
        ProxyConfig config = ConfigLoader.parse("""
                backends: { main: { url: "postgresql://u:p@h" } }
                databases: { app: { shards: [main] } }
                """, "test", Map.of());

        assertEquals("app", config.backendDatabaseName(config.databases().get("app"), "app"));
    }

    @Test
    void aConfigBuiltInCodeMustNameKnownBackends() {
        DatabaseConfig db = new DatabaseConfig("app", List.of("ghost"), null, PoolConfig.defaults());
        assertThrows(IllegalArgumentException.class, () -> new ProxyConfig("test", LISTEN, AuthMethod.TRUST,
                ProxyConfig.DEFAULT_AUTH_TIMEOUT, 10, 500, Map.of(), Map.of(), Map.of("app", db)));
    }

    @Test
    void aConfigBuiltInCodeCannotNameADatabasePgsteer() {
        DatabaseConfig db = new DatabaseConfig("pgsteer", List.of("main"), null, PoolConfig.defaults());
        BackendConfig main = new BackendConfig("main", BackendUrl.parse("postgresql://u:p@h/x"));
        assertThrows(IllegalArgumentException.class, () -> new ProxyConfig("test", LISTEN, AuthMethod.TRUST,
                ProxyConfig.DEFAULT_AUTH_TIMEOUT, 10, 500, Map.of(), Map.of("main", main), Map.of("pgsteer", db)));
    }

    @Test
    void passwordsStayOutOfToString() {
        assertEquals("UserConfig[name=demo, password=***, admin=false]", new UserConfig("demo", "secret").toString());
        ProxyConfig config = ProxyConfig.quick(LISTEN, BackendUrl.parse("postgresql://alice:secret@db/shop"));
        assertTrue(!config.toString().contains("secret"), config.toString());
    }
}
