package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.SslMode;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** How a backend URL becomes what pgjdbc takes: the password only in the properties, never in a URL. */
class BackendJdbcTest {

    private static final BackendUrl URL = BackendUrl.parse("postgresql://app:p%40ss@db.example:5433/control");

    @Test
    void theJdbcUrlHasHostPortAndDatabaseOnly() {
        assertEquals("jdbc:postgresql://db.example:5433/control", BackendJdbc.url(URL, null));
        assertEquals("jdbc:postgresql://db.example:5433/other%20db", BackendJdbc.url(URL, "other db"));
        assertEquals("jdbc:postgresql://[::1]:5432/", BackendJdbc.url(BackendUrl.parse("postgresql://[::1]"), null),
                "no database: the server takes the user's name");
        assertFalse(BackendJdbc.url(URL, null).contains("p@ss"));
    }

    @Test
    void thePropertiesCarryTheLoginAndTheTimeouts() {
        Properties props = BackendJdbc.properties(URL, Duration.ofMillis(2500), "pgsteer test");

        assertEquals(Map.of("user", "app", "password", "p@ss", "connectTimeout", "2", "loginTimeout", "2",
                "socketTimeout", "2", "tcpKeepAlive", "true", "ApplicationName", "pgsteer test"), props);
        assertEquals("1", BackendJdbc.properties(URL, Duration.ofMillis(10), "x").getProperty("socketTimeout"),
                "pgjdbc counts in seconds, and 0 would mean never");
        Properties anonymous = BackendJdbc.properties(BackendUrl.parse("postgresql://h/db"), Duration.ofSeconds(5), "x");
        assertFalse(anonymous.containsKey("user"));
        assertFalse(anonymous.containsKey("password"));
    }

    @Test
    void aConfiguredBackendAddsItsTls() {
        BackendConfig verified = new BackendConfig("main", URL, SslMode.VERIFY_FULL, java.nio.file.Path.of("/etc/pgsteer/ca.crt"));
        Properties props = BackendJdbc.properties(verified, Duration.ofSeconds(5), "pgsteer test");
        assertEquals("verify-full", props.getProperty("sslmode"));
        assertEquals(java.nio.file.Path.of("/etc/pgsteer/ca.crt").toString(), props.getProperty("sslrootcert"));
        assertEquals("app", props.getProperty("user"));
        assertEquals("prefer", BackendJdbc.properties(new BackendConfig("main", URL), Duration.ofSeconds(5), "x")
                .getProperty("sslmode"), "libpq's default, said out loud");
    }

    @Test
    void theDescriptionIsForLogsWithoutLogin() {
        assertEquals("postgresql://db.example:5433/control", BackendJdbc.describe(URL));
        assertEquals("postgresql://[::1]:5432", BackendJdbc.describe(BackendUrl.parse("postgresql://u:pw@[::1]")));
    }
}
