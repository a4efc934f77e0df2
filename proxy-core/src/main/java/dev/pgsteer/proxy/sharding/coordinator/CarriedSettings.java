package dev.pgsteer.proxy.sharding.coordinator;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings a connection apart (the coordinator inside a transaction block) takes from the
 * session's own connection, so that the statement's answer does not depend on which one ran it:
 * search_path, TimeZone, DateStyle, a SET LOCAL of the transaction, a custom setting a policy reads.
 * Both sides are read with {@link CoordinatorSql#settings}; those that differ are set for the
 * coordinator's transaction only, the session authorization and then the role last (settings before
 * them are set with the login's rights, as the session set them).
 */
public final class CarriedSettings {
    private static final List<String> LAST = List.of("session_authorization", "role");

    private CarriedSettings() {
    }

    /** The session's values of the settings whose values differ on the coordinator, in the order to set them. */
    public static Map<String, String> differing(List<List<String>> session, List<List<String>> coordinator) {
        Map<String, String> there = new HashMap<>();
        coordinator.forEach(row -> there.put(row.get(0), row.get(1)));
        Map<String, String> differing = new LinkedHashMap<>();
        for (List<String> row : session) {
            String name = row.get(0);
            String value = row.get(1);
            if (value != null && !LAST.contains(name) && !Objects.equals(value, there.get(name))) {
                differing.put(name, value);
            }
        }
        for (String name : LAST) {
            String value = session.stream().filter(r -> r.get(0).equals(name)).map(r -> r.get(1)).findFirst().orElse(null);
            if (value != null && !Objects.equals(value, there.get(name))) {
                differing.put(name, value);
            }
        }
        return differing;
    }
}
