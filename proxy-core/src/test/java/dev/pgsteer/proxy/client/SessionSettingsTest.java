package dev.pgsteer.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionSettingsTest {
    private static final Map<String, String> AT_LOGIN = Map.of("application_name", "", "datestyle", "ISO, MDY", "client_encoding", "UTF8");

    @Test
    void startupParametersBecomeSettingsButIdentityDoesNot() {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", "app");
        startup.put("database", "db");
        startup.put("application_name", "psql");
        startup.put("options", "-c search_path=a,b --work-mem=8MB");
        startup.put("_pq_.something", "1");
        SessionSettings settings = SessionSettings.fromStartup(startup);
        assertEquals(Map.of("application_name", "psql", "search_path", "a,b", "work_mem", "8MB"), settings.wanted());
    }

    @Test
    void nothingIsSentWhenTheConnectionAlreadyMatches() {
        SessionSettings settings = new SessionSettings();
        settings.set("DateStyle", "ISO, MDY");
        assertNull(settings.syncStatement(new HashMap<>(AT_LOGIN), AT_LOGIN));
    }

    @Test
    void differingSettingsAreSetWithSetConfigSoListsStayLists() {
        SessionSettings settings = new SessionSettings();
        settings.set("search_path", "a, b");
        settings.set("application_name", "it's");
        assertEquals("SELECT pg_catalog.set_config('search_path', 'a, b', false), pg_catalog.set_config('application_name', 'it''s', false)",
                settings.syncStatement(new HashMap<>(AT_LOGIN), AT_LOGIN));
    }

    @Test
    void settingsAnotherSessionLeftBehindAreReset() {
        Map<String, String> current = new HashMap<>(AT_LOGIN);
        current.put("application_name", "other");
        current.put("work_mem", "64MB");
        String sync = new SessionSettings().syncStatement(current, AT_LOGIN);
        assertEquals(2, sync.split("; ").length);
        assertEquals(true, sync.contains("RESET \"application_name\""));
        assertEquals(true, sync.contains("RESET \"work_mem\""));
    }

    @Test
    void anotherSessionsRoleGoesFirstAndTheSessionsOwnRoleIsSetLast() {
        SessionSettings settings = new SessionSettings();
        settings.set("role", "reader");
        settings.set("work_mem", "8MB");
        Map<String, String> current = new HashMap<>(AT_LOGIN);
        current.put("role", "writer");
        current.put("is_superuser", "off");
        assertEquals("RESET ROLE; SELECT pg_catalog.set_config('work_mem', '8MB', false), "
                + "pg_catalog.set_config('role', 'reader', false)", settings.syncStatement(current, AT_LOGIN));
    }

    @Test
    void whatFollowsTheRoleIsNeverResetItself() {
        // is_superuser changed with another session's role: RESET ROLE puts it back; RESET is_superuser would fail.
        Map<String, String> current = new HashMap<>(AT_LOGIN);
        current.put("role", "writer");
        current.put("is_superuser", "off");
        assertEquals("RESET ROLE", new SessionSettings().syncStatement(current, AT_LOGIN));
        current.remove("role");
        assertNull(new SessionSettings().syncStatement(current, AT_LOGIN), "nothing settable differs");
    }

    @Test
    void whenATenantsSettingDiffersAllOfThemAreWrittenAndTemporaryObjectsGo() {
        SessionSettings settings = new SessionSettings();
        settings.set("search_path", "\"public\"");
        settings.set("app.tenant_id", "umbrella");
        settings.ownerSettings(java.util.Set.of("search_path", "app.tenant_id"));
        Map<String, String> current = new HashMap<>(AT_LOGIN);
        current.put("search_path", "\"public\"");
        current.put("app.tenant_id", "umbrella");
        assertNull(settings.syncStatement(current, AT_LOGIN), "the same tenant's connection: nothing to send");
        current.put("app.tenant_id", "globex");
        assertEquals("SELECT pg_catalog.set_config('search_path', '\"public\"', false), "
                + "pg_catalog.set_config('app.tenant_id', 'umbrella', false); DISCARD TEMP", settings.syncStatement(current, AT_LOGIN));
    }

    @Test
    void theBackendsSpellingOfAReportedValueIsAdopted() {
        SessionSettings settings = new SessionSettings();
        settings.set("client_encoding", "utf8");
        Map<String, String> current = new HashMap<>(AT_LOGIN);
        settings.applyTo(current, AT_LOGIN);
        assertEquals("UTF8", settings.wanted().get("client_encoding"));
        assertNull(settings.syncStatement(current, AT_LOGIN));
    }

    @Test
    void backslashesAreQuotedAsEscapeStrings() {
        assertEquals("E'a\\\\b'", SessionSettings.literal("a\\b"));
    }
}
