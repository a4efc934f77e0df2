package dev.pgsteer.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How pgsteer checks the password of a client that connects to it (top-level {@code auth}). */
public enum AuthMethod {
    SCRAM_SHA_256("scram-sha-256"),
    MD5("md5"),
    TRUST("trust");

    private final String configName;

    AuthMethod(String configName) {
        this.configName = configName;
    }

    /** The spelling used in the YAML file and in pg_hba.conf, so operators can copy it across. */
    public String configName() {
        return configName;
    }

    public static AuthMethod parse(String text) {
        String wanted = text.strip().toLowerCase(Locale.ROOT);
        for (AuthMethod method : values()) {
            if (method.configName.equals(wanted)) {
                return method;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an auth method; valid ones are " + validNames());
    }

    public static String validNames() {
        return Arrays.stream(values()).map(AuthMethod::configName).collect(Collectors.joining(", "));
    }
}
