package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the coordinator apart from the session's connection takes from it: the settings that differ,
 * the session authorization and the role last; and the custom settings a statement or the
 * transaction's SET LOCAL names, which pg_settings does not list.
 */
class CarriedSettingsTest {

    static List<String> row(String name, String value) {
        return Arrays.asList(name, value);
    }

    @Test
    void onlyWhatDiffersIsCarriedTheRoleLast() {
        List<List<String>> session = List.of(row("role", "reporter"), row("TimeZone", "Asia/Tokyo"), row("search_path", "a, public"),
                row("DateStyle", "ISO, MDY"), row("app.tenant", "7"), row("app.unset", null), row("session_authorization", "app"));
        List<List<String>> coordinator = List.of(row("role", "none"), row("TimeZone", "UTC"), row("search_path", "a, public"),
                row("DateStyle", "ISO, MDY"), row("app.tenant", null), row("app.unset", null), row("session_authorization", "app"));
        assertEquals(List.of("TimeZone=Asia/Tokyo", "app.tenant=7", "role=reporter"),
                CarriedSettings.differing(session, coordinator).entrySet().stream().map(Object::toString).toList());
    }

    @Test
    void theSameSettingsCarryNothing() {
        List<List<String>> same = List.of(row("TimeZone", "UTC"), row("role", "none"));
        assertEquals(Map.of(), CarriedSettings.differing(same, same));
        assertNull(CoordinatorSql.setLocally(Map.of()));
    }

    @Test
    void settingsAreSetForTheCoordinatorsTransactionOnly() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("TimeZone", "Asia/Tokyo");
        settings.put("app.x", "it's \\");
        assertEquals("SELECT pg_catalog.set_config('TimeZone', 'Asia/Tokyo', true), pg_catalog.set_config('app.x', E'it''s \\\\', true)",
                CoordinatorSql.setLocally(settings));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT x) FROM t WHERE tenant = current_setting('app.tenant')::int | [app.tenant]
            SET LOCAL app.Tenant = '3'                                                        | [app.tenant]
            set local my_app.x to 4                                                           | [my_app.x]
            SELECT 'a.b.c', 'not a name', 'x.'                                                | [a.b.c]
            SET LOCAL TimeZone = 'UTC'                                                        | []
            SELECT count(DISTINCT x) FROM t                                                   | []
            """)
    void customSettingNamesAreReadOffTheText(String text, String names) {
        assertEquals(names, CoordinatorSql.customSettingNames(List.of(text)).toString());
        assertEquals(Set.copyOf(CoordinatorSql.customSettingNames(List.of(text))).size(),
                CoordinatorSql.customSettingNames(List.of(text, text)).size());
    }
}
