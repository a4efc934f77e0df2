package dev.pgsteer.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code tls:} TLS for clients. {@code cert} is the server's certificate chain and {@code key} its
 * private key, both PEM files; a client that sends an SSLRequest gets TLS with them. When
 * {@code required}, a client that starts without TLS is refused (FATAL 28000).
 */
public record TlsConfig(Path cert, Path key, boolean required) {

    public TlsConfig {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
    }

    /** The same files, with or without the requirement. */
    public TlsConfig withRequired(boolean newRequired) {
        return new TlsConfig(cert, key, newRequired);
    }
}
