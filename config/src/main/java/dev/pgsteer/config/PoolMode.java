package dev.pgsteer.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** When a client gives its backend connection back: at the end of each transaction, or when it leaves. */
public enum PoolMode {
    TRANSACTION,
    SESSION;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PoolMode parse(String text) {
        String wanted = text.strip().toLowerCase(Locale.ROOT);
        for (PoolMode mode : values()) {
            if (mode.configName().equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a pool mode; valid modes are " + validNames());
    }

    public static String validNames() {
        return Arrays.stream(values()).map(PoolMode::configName).collect(Collectors.joining(", "));
    }
}
