package dev.pgsteer.proxy.client;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The spelling PostgreSQL uses for the parameters it reports, so clients see the names they expect. */
public final class ReportedParameters {
    private static final Map<String, String> CANONICAL = Stream.of(
                    "application_name", "client_encoding", "DateStyle", "default_transaction_read_only", "in_hot_standby",
                    "integer_datetimes", "IntervalStyle", "is_superuser", "scram_iterations", "search_path",
                    "server_encoding", "server_version", "session_authorization", "standard_conforming_strings", "TimeZone")
            .collect(Collectors.toMap(name -> name.toLowerCase(Locale.ROOT), Function.identity()));

    /**
     * Reported parameters a session cannot set on another connection with set_config: fixed by the
     * server, or the consequence of SET ROLE / SET SESSION AUTHORIZATION rather than a setting.
     */
    private static final Set<String> NOT_SETTABLE = Set.of("server_version", "server_encoding",
            "integer_datetimes", "in_hot_standby", "is_superuser", "session_authorization");

    private ReportedParameters() {
    }

    public static boolean settable(String name) {
        return !NOT_SETTABLE.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Whether PostgreSQL reports this setting's changes with ParameterStatus (so pgsteer can carry it). */
    public static boolean isReported(String name) {
        return CANONICAL.containsKey(name.toLowerCase(Locale.ROOT));
    }

    public static String canonical(String lowerCase) {
        return CANONICAL.getOrDefault(lowerCase, lowerCase);
    }
}
