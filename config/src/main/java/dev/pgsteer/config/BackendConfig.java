package dev.pgsteer.config;

import java.util.Objects;

/** One backend PostgreSQL server: {@code backends.<name>}, with any user/password override applied to the URL. */
public record BackendConfig(String name, BackendUrl url) {

    public BackendConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
    }
}
