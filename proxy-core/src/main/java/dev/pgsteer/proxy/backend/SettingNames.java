package dev.pgsteer.proxy.backend;

import java.util.Locale;

/** PostgreSQL compares setting names without regard to case; so do we, by keeping them lower-case. */
public final class SettingNames {
    private SettingNames() {
    }

    public static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
