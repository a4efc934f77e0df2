package dev.pgsteer.config.yaml;

import static dev.pgsteer.config.yaml.ConfigErrorsTest.failure;
import static dev.pgsteer.config.yaml.ConfigErrorsTest.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.config.CoordinatorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code databases.<name>.coordinator}: the coordinator step's bound on rows pulled per statement,
 * its default, and its problems with line and fix. Lines 1 to 3 of every file are the backends.
 */
class CoordinatorConfigTest {

    private static final String BACKENDS = """
            backends:
              s0: { url: "postgresql://app@h0/shop" }
              s1: { url: "postgresql://app@h1/shop" }
            """;

    private static CoordinatorConfig coordinatorOf(String databases) {
        return ConfigLoader.parse(BACKENDS + databases, "pgsteer.yaml", Map.of()).databases().get("shop").coordinator();
    }

    private static void assertProblem(String databases, int line, String what, String fix) {
        ConfigProblem p = onlyProblem(failure(BACKENDS + databases));
        assertEquals(List.of(line, what, fix), List.of(p.line(), p.what(), p.fix()), p.toString());
    }

    @Test
    void withoutTheSectionTheLimitIsAMillionRows() {
        assertEquals(new CoordinatorConfig(1_000_000), coordinatorOf("""
                databases:
                  shop: { shards: [s0, s1] }
                """));
    }

    @Test
    void maxPulledRowsSetsTheLimitAndZeroTurnsItOff() {
        assertEquals(new CoordinatorConfig(5), coordinatorOf("""
                databases:
                  shop: { shards: [s0, s1], coordinator: { max_pulled_rows: 5 } }
                """));
        CoordinatorConfig unlimited = coordinatorOf("""
                databases:
                  shop:
                    shards: [s0, s1]
                    coordinator:
                      max_pulled_rows: 0
                """);
        assertTrue(unlimited.allows(Long.MAX_VALUE));
    }

    @Test
    void tempBuffersIsASizeInMegabytesAndZeroLeavesTheServers() {
        assertEquals(64, coordinatorOf("""
                databases:
                  shop: { shards: [s0, s1] }
                """).tempBuffersMb());
        assertEquals(new CoordinatorConfig(5, 256), coordinatorOf("""
                databases:
                  shop: { shards: [s0, s1], coordinator: { max_pulled_rows: 5, temp_buffers: 256MB } }
                """));
        assertEquals(1024, coordinatorOf("""
                databases:
                  shop: { shards: [s0, s1], coordinator: { temp_buffers: 1GB } }
                """).tempBuffersMb());
        assertEquals(0, coordinatorOf("""
                databases:
                  shop: { shards: [s0, s1], coordinator: { temp_buffers: 0 } }
                """).tempBuffersMb());
        assertEquals(1, CoordinatorConfig.megabytes("800kB"));
        assertProblem("""
                databases:
                  shop:
                    shards: [s0, s1]
                    coordinator: { temp_buffers: 64 megs }
                """, 7, "databases.shop.coordinator.temp_buffers: '64 megs' has an unknown unit 'megs' (kB, MB or GB)",
                "a size such as 64MB, or 0 to leave the server's temp_buffers");
    }

    @Test
    void theLimitAllowsUpToItselfAndNotOneMore() {
        CoordinatorConfig five = new CoordinatorConfig(5);
        assertTrue(five.allows(5));
        assertFalse(five.allows(6));
        assertThrows(IllegalArgumentException.class, () -> new CoordinatorConfig(-1));
    }

    @Test
    void aNegativeOrNonNumericLimitIsAProblem() {
        assertProblem("""
                databases:
                  shop:
                    shards: [s0, s1]
                    coordinator: { max_pulled_rows: -1 }
                """, 7, "databases.shop.coordinator.max_pulled_rows: -1 is too small; it must be at least 0",
                "write a whole number of at least 0");
        assertProblem("""
                databases:
                  shop:
                    shards: [s0, s1]
                    coordinator: { max_pulled_rows: lots }
                """, 7, "databases.shop.coordinator.max_pulled_rows: 'lots' is not a whole number",
                "write a whole number of at least 0");
    }

    @Test
    void anUnknownKeyOrTheSettingOneLevelTooHighIsAProblem() {
        assertProblem("""
                databases:
                  shop:
                    shards: [s0, s1]
                    coordinator: { max_pulled_row: 5 }
                """, 7, "unknown key 'max_pulled_row' in databases.shop.coordinator",
                "did you mean 'max_pulled_rows'? valid keys in databases.shop.coordinator are max_pulled_rows, temp_buffers");
        assertProblem("""
                databases:
                  shop:
                    shards: [s0, s1]
                    max_pulled_rows: 5
                """, 7, "'max_pulled_rows' does not belong in databases.shop",
                "move it under coordinator:, like coordinator: { max_pulled_rows: ... }");
    }

    @Test
    void aDatabaseThatNeverPullsRowsCannotHaveTheSection() {
        assertProblem("""
                databases:
                  "*": { shards: [s0], coordinator: { max_pulled_rows: 5 } }
                """, 5, "databases.*.coordinator does not apply: the passthrough entry \"*\" relays statements to one "
                        + "backend, it never pulls rows from several shards",
                "remove coordinator:, or move it to a sharded database");
    }
}
