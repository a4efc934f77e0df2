package dev.pgsteer.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a tenant's rows are kept apart from the others': in its own backend database, in its own
 * schema of a shared database, or in shared tables marked by a tenant column that row-level
 * security filters by a setting the proxy puts on the connection.
 */
public enum TenantMode {
    DATABASE,
    SCHEMA,
    SHARED;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TenantMode parse(String text) {
        String wanted = text.strip().toLowerCase(Locale.ROOT);
        for (TenantMode mode : values()) {
            if (mode.configName().equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a tenant mode; valid modes are " + validNames());
    }

    public static String validNames() {
        return Arrays.stream(values()).map(TenantMode::configName).collect(Collectors.joining(", "));
    }
}
