package dev.pgsteer.proxy.backend;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The session settings of one backend connection, keyed by lower-case name: as the backend announced
 * them at login, as they stand now, and the session settings they were last found or made to match.
 * Every change goes through here and forgets that match, so a stale match cannot survive a change.
 */
final class ConnectionSettings {
    /** Values of the backend's reported parameters as it announced them at login. */
    private final Map<String, String> login = new HashMap<>();
    /** What this connection's session settings are now: reported ones, and those pgsteer set itself. */
    private final Map<String, String> current = new HashMap<>();
    private final Map<String, String> currentView = Collections.unmodifiableMap(current);
    /**
     * The session settings this connection was last found or made to match (a value: equal settings of
     * another session match too), or null once its settings changed since.
     */
    private Object matched;

    Map<String, String> login() {
        return login;
    }

    Map<String, String> current() {
        return currentView;
    }

    boolean matches(Object settings) {
        Object now = matched;
        return now == settings || now != null && now.equals(settings);
    }

    void matched(Object settings) {
        matched = settings;
    }

    /** The backend announced a setting at login: it is both the login value and the current one. */
    void announced(String name, String value) {
        String key = SettingNames.normalize(name);
        login.put(key, value);
        current.put(key, value);
    }

    void reported(String name, String value) {
        current.put(SettingNames.normalize(name), value);
        matched = null;
    }

    /** DISCARD ALL: the login values again. */
    void resetToLogin() {
        current.clear();
        current.putAll(login);
        matched = null;
    }

    void changed(Consumer<Map<String, String>> change) {
        change.accept(current);
        matched = null;
    }
}
