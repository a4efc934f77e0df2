package dev.pgsteer.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Whether a tenant takes statements: {@code active} does; {@code read_only} runs its sessions with
 * {@code default_transaction_read_only}; {@code moving} holds no new transactions while its data moves.
 */
public enum TenantState {
    ACTIVE,
    READ_ONLY,
    MOVING;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TenantState parse(String text) {
        String wanted = text.strip().toLowerCase(Locale.ROOT).replace(' ', '_').replace('-', '_');
        for (TenantState state : values()) {
            if (state.configName().equals(wanted)) {
                return state;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a tenant state; valid states are " + validNames());
    }

    public static String validNames() {
        return Arrays.stream(values()).map(TenantState::configName).collect(Collectors.joining(", "));
    }
}
