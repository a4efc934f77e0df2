package dev.pgsteer.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;

/**
 * One backend PostgreSQL server: {@code backends.<name>}, with any user/password override applied to
 * the URL. {@code sslMode} says how pgsteer's connections to it (wire and JDBC alike) use TLS;
 * {@code sslRootCert} is the PEM file of the CA(s) that verify-ca and verify-full trust (null otherwise).
 */
public record BackendConfig(String name, BackendUrl url, SslMode sslMode, Path sslRootCert) {

    public BackendConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(sslMode, "sslMode");
        if (sslMode.verifiesCertificate() && sslRootCert == null) {
            throw new IllegalArgumentException("backend " + name + ": sslmode " + sslMode.configName() + " needs sslrootcert");
        }
    }

    /** With libpq's default sslmode ({@link SslMode#DEFAULT}). */
    public BackendConfig(String name, BackendUrl url) {
        this(name, url, SslMode.DEFAULT, null);
    }

    /**
     * The pgjdbc properties that give a control-plane connection the same TLS as pgsteer's own wire
     * connections: pgjdbc takes libpq's sslmode names and meanings, and reads sslrootcert as a PEM file.
     */
    public Properties jdbcSslProperties(Properties into) {
        into.setProperty("sslmode", sslMode.configName());
        if (sslRootCert != null && sslMode.verifiesCertificate()) {
            into.setProperty("sslrootcert", sslRootCert.toString());
        }
        return into;
    }
}
