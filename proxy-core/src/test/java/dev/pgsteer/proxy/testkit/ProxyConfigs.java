package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import java.util.Map;

/**
 * pgsteer's configuration in front of one PostgreSQL with {@link EmbeddedBackend}'s role and
 * database, as integration tests write it: listening on a free port, the backend as {@code main},
 * and the test's own {@code databases}, the lines under {@code databases:} as a text block writes
 * them (for example {@code appdb: { shards: [main], pool: { size: 3 } }}).
 */
public final class ProxyConfigs {
    private ProxyConfigs() {
    }

    /** User app logs in with its password, as in production. */
    public static ProxyConfig inFrontOf(String backendUrl, String databases) {
        return parse("""
                listen: 127.0.0.1:0
                users:
                  %s: { password: "%s" }
                backends:
                  main: { url: "%s" }
                databases:
                %s""".formatted(EmbeddedBackend.USER, EmbeddedBackend.PASSWORD, backendUrl, databases.indent(2)));
    }

    /** pgsteer lets user app in without a password (auth: trust), for raw-wire clients. */
    public static ProxyConfig trustingInFrontOf(String backendUrl, String databases) {
        return parse("""
                listen: 127.0.0.1:0
                auth: trust
                users:
                  %s: {}
                backends:
                  main: { url: "%s" }
                databases:
                %s""".formatted(EmbeddedBackend.USER, backendUrl, databases.indent(2)));
    }

    private static ProxyConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml", Map.of());
    }
}
