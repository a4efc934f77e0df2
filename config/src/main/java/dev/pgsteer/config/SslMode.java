package dev.pgsteer.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How pgsteer's own connections to a backend use TLS ({@code backends.<name>.sslmode}), with libpq's
 * names and meanings, so a value can be copied from a connection string.
 *
 * @see <a href="https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS">SSL mode descriptions</a>
 */
public enum SslMode {
    /** Plain text only. */
    DISABLE("disable"),
    /** TLS when the server offers it, plain text when it does not; the certificate is not checked. */
    PREFER("prefer"),
    /** TLS or no connection; the certificate is not checked. */
    REQUIRE("require"),
    /** TLS with a certificate signed by a trusted CA ({@code sslrootcert}); the host name is not checked. */
    VERIFY_CA("verify-ca"),
    /** As verify-ca, and the certificate must name the host pgsteer connects to. */
    VERIFY_FULL("verify-full");

    /**
     * libpq's and pgjdbc's default: encrypts where the server is set up for it, and still reaches
     * servers that are not (every existing configuration keeps working). It protects only against
     * passive listening; say {@code verify-full} to be safe from an active attacker.
     */
    public static final SslMode DEFAULT = PREFER;

    private final String configName;

    SslMode(String configName) {
        this.configName = configName;
    }

    /** The spelling of libpq's {@code sslmode}, used in the YAML file too. */
    public String configName() {
        return configName;
    }

    /** True for verify-ca and verify-full: the server's certificate must chain to {@code sslrootcert}. */
    public boolean verifiesCertificate() {
        return this == VERIFY_CA || this == VERIFY_FULL;
    }

    /** True when a server without TLS is refused. */
    public boolean requiresTls() {
        return this != DISABLE && this != PREFER;
    }

    public static SslMode parse(String text) {
        String wanted = text.strip().toLowerCase(Locale.ROOT);
        for (SslMode mode : values()) {
            if (mode.configName.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an sslmode; valid ones are " + validNames());
    }

    public static String validNames() {
        return Arrays.stream(values()).map(SslMode::configName).collect(Collectors.joining(", "));
    }
}
