package dev.pgsteer.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.message.ParameterStatus;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A connection remembers which session settings it matches until its own settings change. */
class BackendConnectionSettingsTest {
    private final BackendConnection connection = new BackendConnection(new EmbeddedChannel(),
            new BackendTarget("main", "localhost", 5432, "app", "secret", "app"), 10);

    BackendConnectionSettingsTest() {
        connection.loginParameter(new ParameterStatus("application_name", ""));
        connection.loginParameter(new ParameterStatus("DateStyle", "ISO, MDY"));
    }

    @Test
    void aMatchHoldsForEqualSettingsOfAnotherSession() {
        connection.settingsMatched(Map.of("application_name", "pgbench"));
        assertTrue(connection.matchesSettings(Map.of("application_name", "pgbench")));
        assertFalse(connection.matchesSettings(Map.of("application_name", "psql")));
    }

    @Test
    void aReportedChangeForgetsTheMatch() {
        connection.settingsMatched("settings of one session");
        connection.settingReported("TimeZone", "UTC");
        assertFalse(connection.matchesSettings("settings of one session"));
        assertEquals("UTC", connection.currentSettings().get("timezone"));
    }

    @Test
    void goingBackToTheLoginValuesForgetsTheMatch() {
        connection.settingReported("DateStyle", "German");
        connection.settingsMatched("settings of one session");
        connection.discardedAll();
        assertFalse(connection.matchesSettings("settings of one session"));
        assertEquals("ISO, MDY", connection.currentSettings().get("datestyle"));
    }

    @Test
    void changesOfPgsteersOwnForgetTheMatchToo() {
        connection.settingsMatched("settings of one session");
        connection.settingsChanged(current -> current.put("search_path", "tenant_a"));
        assertFalse(connection.matchesSettings("settings of one session"));
        assertEquals("tenant_a", connection.currentSettings().get("search_path"));
    }

    @Test
    void theSettingsCannotBeChangedBehindItsBack() {
        assertThrows(UnsupportedOperationException.class, () -> connection.currentSettings().put("search_path", "x"));
    }
}
