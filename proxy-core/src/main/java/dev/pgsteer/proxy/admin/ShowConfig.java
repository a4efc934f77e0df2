package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.LoggingConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW CONFIG: the effective top-level settings and where they came from. Passwords never appear;
 * databases, backends and pools have their own SHOW commands.
 */
final class ShowConfig extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("key"), Column.text("value"), Column.text("default"));

    ShowConfig() {
        super("SHOW CONFIG",
                "the effective settings: source, listen, auth, timeouts, limits, users, backends",
                COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return CompletableFuture.completedFuture(of(context.config()));
    }

    static Result of(ProxyConfig config) {
        return new Result.Builder(COLUMNS)
                .row("source", config.source(), null)
                .row("listen", config.listen().host() + ":" + config.listen().port(), "127.0.0.1:6432")
                .row("auth", config.auth().configName(), ProxyConfig.DEFAULT_AUTH.configName())
                .row("auth_timeout", duration(config.authTimeout()), duration(ProxyConfig.DEFAULT_AUTH_TIMEOUT))
                .row("max_client_connections", String.valueOf(config.maxClientConnections()),
                        String.valueOf(ProxyConfig.DEFAULT_MAX_CLIENT_CONNECTIONS))
                .row("max_prepared_statements", String.valueOf(config.maxPreparedStatements()),
                        String.valueOf(ProxyConfig.DEFAULT_MAX_PREPARED_STATEMENTS))
                .row("users", String.join(", ", config.users().values().stream()
                        .map(u -> u.name() + (u.admin() ? " (admin)" : "")).toList()), null)
                .row("backends", String.join(", ", config.backends().values().stream()
                        .map(b -> b.name() + " " + b.url().host() + ":" + b.url().port() + " sslmode=" + b.sslMode().configName())
                        .toList()), null)
                .row("databases", String.join(", ", config.databases().keySet()), null)
                .row("admin_database", ProxyConfig.ADMIN_DATABASE, ProxyConfig.ADMIN_DATABASE)
                .row("logging.slow_statement", config.logging().slowStatement() == null ? "off"
                        : duration(config.logging().slowStatement()), duration(LoggingConfig.DEFAULT_SLOW_STATEMENT))
                .row("tls", config.tls() == null ? "off"
                        : (config.tls().required() ? "required" : "on") + ", cert " + config.tls().cert(), "off")
                .build();
    }

    /** As the file writes it: 10s, 5m, 1h, 500ms. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
