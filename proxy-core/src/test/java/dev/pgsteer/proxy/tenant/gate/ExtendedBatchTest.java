package dev.pgsteer.proxy.tenant.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batch of the extended protocol as the gate counts it: which target it runs on (its latest
 * Parse or Bind), and for which target a statement would be a switch inside it (another than the
 * one it was opened on). Steps: {@code open X} (a Parse, or a Bind while statements are known),
 * {@code follow X} (a Bind while none are), {@code end} (Sync).
 */
class ExtendedBatchTest {
    private static final Map<String, TenantTarget> TARGETS = Map.of(
            "a", target("a"), "b", target("b"), "c", target("c"));

    private static TenantTarget target(String database) {
        return new TenantTarget(null, database, null, Map.of(), null);
    }

    @ParameterizedTest(name = "{0}: latest {1}, a switch inside it for {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # steps                  | latest | switches within for
            -                        | -      | -
            open a                   | a      | b c
            open a, open b           | b      | b c
            open a, follow b         | b      | b c
            follow a                 | a      | -
            follow a, open b         | b      | -
            follow a, follow b       | b      | -
            open a, end              | -      | -
            follow a, end, open b    | b      | a c
            open a, end, end         | -      | -
            """)
    void aBatchRunsOnItsLatestTargetAndSwitchesAgainstTheOneItOpenedOn(String steps, String latest, String switching) {
        ExtendedBatch batch = new ExtendedBatch();
        if (steps != null) {
            for (String step : steps.split(", ")) {
                String[] words = step.split(" ");
                switch (words[0]) {
                    case "open" -> batch.open(TARGETS.get(words[1]));
                    case "follow" -> batch.follow(TARGETS.get(words[1]));
                    case "end" -> batch.end();
                    default -> throw new IllegalArgumentException(step);
                }
            }
        }
        assertEquals(latest, batch.latest() == null ? null : batch.latest().database());
        StringBuilder switches = new StringBuilder();
        for (String name : new String[] {"a", "b", "c"}) {
            if (batch.switchesWithin(TARGETS.get(name))) {
                switches.append(switches.isEmpty() ? "" : " ").append(name);
            }
        }
        assertEquals(switching == null ? "" : switching, switches.toString());
    }
}
