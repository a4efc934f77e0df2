package dev.pgsteer.proxy.client;

import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.SettingNames;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The run-time settings a client session expects on whichever backend connection it is given:
 * those of its startup packet (client_encoding, application_name, DateStyle, options {@code -c}),
 * and those the backend reported changed while the session held a connection (ParameterStatus).
 * Under transaction pooling the next connection may differ; {@link #syncStatement} says what to run
 * to make it match, before the session's own statements.
 */
public final class SessionSettings {
    /** Startup parameters that are not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("user", "database", "options", "replication");
    private static final String ROLE = "role";

    private final Map<String, String> wanted = new LinkedHashMap<>();
    /** The values of the startup packet: what RESET returns to, as it does on PostgreSQL. */
    private final Map<String, String> atStartup = new LinkedHashMap<>();
    private boolean startupCanonical;
    private int version;
    /** {@link #wanted} as a value a connection can remember matching; rebuilt when the version moves. */
    private Wanted wantedValue;
    /**
     * Settings that say whose connection it is (a tenant's search_path and tenancy setting). When one
     * of them differs on a leased connection, the connection last served someone else, and what
     * pgsteer believes it holds may be wrong: a statement it cannot read (dynamic SQL in a DO block
     * or a function) may have changed a setting or made a temporary table that would shadow a table
     * of the next session's. So all of them are written, not only the ones that differ, and the
     * temporary objects go (DISCARD TEMP): a session that made its own keeps its connection, so
     * those on a connection that came back to the pool are always someone else's.
     */
    private Set<String> owner = Set.of();

    public static SessionSettings fromStartup(Map<String, String> parameters) {
        SessionSettings settings = new SessionSettings();
        parameters.forEach((name, value) -> {
            if (name.equals("options")) {
                StartupOptions.parse(value).forEach(settings::set);
            } else if (!NOT_SETTINGS.contains(name) && !name.startsWith("_pq_.")) {
                settings.set(name, value);
            }
        });
        settings.atStartup.putAll(settings.wanted);
        return settings;
    }

    /**
     * After a RESET or DISCARD ALL the backend went back to its own defaults, which for settings of
     * the startup packet are not the session's: this statement puts those back ({@code names} of
     * them, or all when {@code all}), or null if none of them is a startup setting.
     */
    public String restoreStartupStatement(boolean all, Set<String> names) {
        StringBuilder sql = new StringBuilder("SELECT ");
        atStartup.forEach((name, value) -> {
            if (all || names.contains(name)) {
                sql.append(sql.length() > 7 ? ", " : "").append("pg_catalog.set_config(").append(literal(name))
                        .append(", ").append(literal(value)).append(", false)");
            }
        });
        return sql.length() > 7 ? sql.toString() : null;
    }

    /** Records that the startup values of {@link #restoreStartupStatement} are in force again on {@code connection}. */
    public void restoredStartup(BackendConnection connection, boolean all, Set<String> names) {
        version++;
        Map<String, String> restored = new LinkedHashMap<>(atStartup);
        if (!all) {
            restored.keySet().retainAll(names);
        }
        wanted.putAll(restored);
        connection.settingsChanged(current -> current.putAll(restored));
    }

    /**
     * The statement that reads a connection's session settings back, while it is idle (so what it
     * reads is what the session keeps): the role, the settings the session's statements named since
     * the last read ({@code names}), and those it is known to carry, each by name (a custom setting
     * never defined on the connection reads NULL). With {@code all}, also every setting a SET gave a
     * session value, from pg_settings (custom ones are not listed there): after code that may have
     * changed settings it does not name. That view costs about half a millisecond on the server; a
     * read by name costs what a set_config does.
     */
    public String captureStatement(Set<String> names, boolean all, Map<String, String> reported) {
        Set<String> asked = new LinkedHashSet<>();
        asked.add(ROLE);
        asked.addAll(names);
        wanted.keySet().forEach(name -> {
            if (!reported.containsKey(name)) {
                asked.add(name);
            }
        });
        StringBuilder sql = new StringBuilder();
        if (all) {
            sql.append("SELECT name, pg_catalog.current_setting(name) FROM pg_catalog.pg_settings WHERE source = 'session'"
                    + " UNION ALL ");
        }
        sql.append("SELECT n, pg_catalog.current_setting(n, true) FROM pg_catalog.unnest(ARRAY[");
        boolean first = true;
        for (String name : asked) {
            sql.append(first ? "" : ", ").append(literal(name));
            first = false;
        }
        return sql.append("]::pg_catalog.text[]) AS n").toString();
    }

    /**
     * What {@link #captureStatement} read on {@code connection}: from now on the session wants
     * exactly these values of the settings the backend does not report (those it reports are
     * followed through ParameterStatus), and the connection is known to carry them.
     */
    public void captured(List<List<String>> rows, BackendConnection connection) {
        Map<String, String> unreported = unreported(rows, connection.loginParameters());
        Map<String, String> reported = connection.loginParameters();
        wanted.keySet().removeIf(name -> !reported.containsKey(name));
        wanted.putAll(unreported);
        version++;
        observed(rows, connection);
        connection.settingsMatched(wantedValue());
    }

    /**
     * What {@link #captureStatement} read on {@code connection}, another connection of the session
     * than the one whose settings it adopted (a shard that ran code the others did not): the
     * connection is known to carry these, so the next session that leases it gets them set right.
     */
    public void observed(List<List<String>> rows, BackendConnection connection) {
        Map<String, String> reported = connection.loginParameters();
        Map<String, String> unreported = unreported(rows, reported);
        connection.settingsChanged(current -> {
            current.keySet().removeIf(name -> !reported.containsKey(name));
            current.putAll(unreported);
        });
    }

    /** The rows of a capture as settings, those the backend reports left out, the role last. */
    private static Map<String, String> unreported(List<List<String>> rows, Map<String, String> reported) {
        Map<String, String> unreported = new LinkedHashMap<>();
        String role = null;
        for (List<String> row : rows) {
            String name = SettingNames.normalize(row.get(0));
            String value = row.get(1);
            if (value == null || reported.containsKey(name)) {
                continue;
            }
            if (name.equals("role")) {
                role = value.equals("none") ? null : value;
            } else {
                unreported.put(name, value);
            }
        }
        if (role != null) {
            // Last, so that a sync sets the settings a role may not set before it becomes that role.
            unreported.put("role", role);
        }
        return unreported;
    }

    public void set(String name, String value) {
        if (!value.equals(wanted.put(SettingNames.normalize(name), value))) {
            version++;
        }
    }

    /** The settings that say whose connection it is; see {@link #owner}. */
    public void ownerSettings(Set<String> names) {
        owner = names.stream().map(SettingNames::normalize).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Whether a connection whose settings are {@code current} last served another owner: one of the
     * settings that say whose connection it is holds another value there (a connection that never
     * served a tenant, or was reset since, holds none). Checked on every lease: it allocates nothing.
     */
    public boolean servedAnotherOwner(Map<String, String> current, Map<String, String> atLogin) {
        for (String name : owner) {
            String there = current.get(name);
            // A value the connection had at login (a reported setting, search_path on PostgreSQL 18)
            // is nobody's: the connection is fresh, or reset already.
            if (there != null && !there.equals(wanted.get(name)) && !there.equals(atLogin.get(name))) {
                return true;
            }
        }
        return false;
    }

    /** The session no longer asks for {@code name}: the next connection it leases gets it reset. */
    public void remove(String name) {
        if (wanted.remove(SettingNames.normalize(name)) != null) {
            version++;
        }
    }

    /** Takes {@code name} out of the settings, startup values included, and returns its value (or null). */
    public String takeStartup(String name) {
        String normalized = SettingNames.normalize(name);
        atStartup.remove(normalized);
        String value = wanted.remove(normalized);
        if (value != null) {
            version++;
        }
        return value;
    }

    /** Changes with every setting that changes: a connection synced at this version still matches. */
    public int version() {
        return version;
    }

    /**
     * Whether the session reads a backslash in a plain string constant as an escape
     * (standard_conforming_strings off), as every reader of its SQL text must know.
     */
    public boolean backslashQuotes() {
        return backslashQuotes(wanted);
    }

    /** {@link #backslashQuotes()} of a session whose settings are {@code wanted}. */
    public static boolean backslashQuotes(Map<String, String> wanted) {
        return "off".equals(wanted.get("standard_conforming_strings"));
    }

    public Map<String, String> wanted() {
        return Collections.unmodifiableMap(wanted);
    }

    /**
     * What to run on a freshly leased {@code connection} so that it carries these settings, or null
     * when it does already. A connection found matching remembers it until its settings change, so a
     * pool of sessions asking for the same settings (clients of one application) compares them once
     * per connection, not on every lease. After the statement ran, call {@link #syncedOn}.
     */
    public String syncStatementFor(BackendConnection connection) {
        Wanted value = wantedValue();
        if (connection.matchesSettings(value)) {
            return null;
        }
        String statement = syncStatement(connection.currentSettings(), connection.loginParameters());
        if (statement == null) {
            connection.settingsMatched(value);
        }
        return statement;
    }

    /** The statement of {@link #syncStatementFor} ran on {@code connection}: it carries these settings now. */
    public void syncedOn(BackendConnection connection) {
        connection.settingsChanged(current -> applyTo(current, connection.loginParameters()));
        connection.settingsMatched(wantedValue());
    }

    private Wanted wantedValue() {
        if (wantedValue == null || wantedValue.version != version) {
            wantedValue = new Wanted(Map.copyOf(wanted), version);
        }
        return wantedValue;
    }

    /**
     * A copy of the wanted settings that equals another session's when the settings are the same.
     * Whether a connection matches depends on nothing else: its own settings, fixed until they change,
     * and its login values.
     */
    private static final class Wanted {
        private final Map<String, String> settings;
        private final int hash;
        private final int version;

        Wanted(Map<String, String> settings, int version) {
            this.settings = settings;
            this.hash = settings.hashCode();
            this.version = version;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Wanted that && hash == that.hash && settings.equals(that.settings);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * The statement that makes a connection's settings this session's, or null when they already
     * match (the common case, and then nothing is sent). Settings other sessions left behind are
     * reset to the connection's login values.
     */
    public String syncStatement(Map<String, String> current, Map<String, String> atLogin) {
        if (matches(current, atLogin)) {
            return null;
        }
        boolean ownerChanged = owner.stream().anyMatch(name -> wanted.containsKey(name)
                && !Objects.equals(current.get(name), wanted.get(name)));
        StringBuilder setConfig = new StringBuilder();
        // The role goes last: settings before it are set with the login's rights, as the session set them.
        for (boolean roleNow : new boolean[] {false, true}) {
            wanted.forEach((name, value) -> {
                if (ROLE.equals(name) == roleNow
                        && (!Objects.equals(current.get(name), value) || ownerChanged && owner.contains(name))) {
                    setConfig.append(setConfig.isEmpty() ? "SELECT " : ", ")
                            .append("pg_catalog.set_config(").append(literal(name)).append(", ").append(literal(value)).append(", false)");
                }
            });
        }
        StringBuilder reset = new StringBuilder();
        current.forEach((name, value) -> {
            if (!wanted.containsKey(name) && !Objects.equals(atLogin.get(name), value) && !ROLE.equals(name)
                    && ReportedParameters.settable(name)) {
                reset.append("; RESET ").append(identifier(name));
            }
        });
        // Another role first goes: the settings are then set with the login's rights, and the role, if
        // the session has one, is set last.
        boolean roleGoes = current.containsKey(ROLE) && !Objects.equals(current.get(ROLE), wanted.get(ROLE));
        if (setConfig.isEmpty() && reset.isEmpty() && !roleGoes) {
            return null;
        }
        if (ownerChanged) {
            // Unlike DISCARD ALL, DISCARD TEMP may share a query string (an implicit transaction) with others.
            reset.append("; DISCARD TEMP");
        }
        StringBuilder statement = new StringBuilder();
        if (roleGoes) {
            statement.append("; RESET ROLE");
        }
        if (!setConfig.isEmpty()) {
            statement.append("; ").append(setConfig);
        }
        return statement.append(reset).substring(2);
    }

    /**
     * Whether {@code current} already is what this session wants: checked on every lease, so it
     * allocates nothing; {@link #syncStatement} builds a statement only when this says no.
     */
    private boolean matches(Map<String, String> current, Map<String, String> atLogin) {
        for (Map.Entry<String, String> entry : wanted.entrySet()) {
            if (!entry.getValue().equals(current.get(entry.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<String, String> entry : current.entrySet()) {
            // is_superuser and session_authorization follow the role, which is compared as a setting.
            if (!wanted.containsKey(entry.getKey()) && !Objects.equals(atLogin.get(entry.getKey()), entry.getValue())
                    && ReportedParameters.settable(entry.getKey())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Records what a sync statement did. Reported settings were already updated from the backend's
     * ParameterStatus, in the backend's own spelling ({@code utf8} becomes {@code UTF8}), which the
     * session adopts so that the next comparison matches; unreported ones are what we set.
     */
    public void applyTo(Map<String, String> current, Map<String, String> atLogin) {
        current.keySet().removeIf(name -> !atLogin.containsKey(name) && !wanted.containsKey(name));
        wanted.forEach((name, value) -> {
            if (!atLogin.containsKey(name)) {
                current.put(name, value);
            }
        });
        version++;
        wanted.replaceAll((name, value) -> atLogin.containsKey(name) && current.containsKey(name) ? current.get(name) : value);
        if (!startupCanonical) {
            atStartup.replaceAll((name, value) -> wanted.getOrDefault(name, value));
            startupCanonical = true;
        }
    }

    static String literal(String value) {
        String quoted = value.replace("'", "''");
        if (quoted.indexOf('\\') >= 0) {
            return "E'" + quoted.replace("\\", "\\\\") + "'";
        }
        return "'" + quoted + "'";
    }

    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
