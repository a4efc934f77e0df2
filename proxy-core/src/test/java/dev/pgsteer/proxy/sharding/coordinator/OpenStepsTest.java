package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.CoordinatorConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What SHOW COORDINATORS reads: the steps running now, each with its phase and rows, until it ends. */
class OpenStepsTest {
    private final OpenSteps steps = new OpenSteps();

    @Test
    void aStepIsListedFromItsStartToItsEnd() {
        PullBudget budget = new PullBudget("shop", CoordinatorConfig.defaults(), null);
        OpenSteps.Step first = steps.start(42, "s0", List.of("orders", "items"), budget);
        OpenSteps.Step second = steps.start(43, "s0 (apart)", List.of("orders"), new PullBudget("shop", CoordinatorConfig.defaults(), null));
        assertEquals("names", steps.snapshot().getFirst().phase());

        first.phase(OpenSteps.Phase.PULLING, "public.orders from s2");
        budget.pulled(7, 100);
        OpenSteps.View view = steps.snapshot().stream().filter(v -> v.client() == 42).findFirst().orElseThrow();
        assertEquals(new OpenSteps.View(42, "s0", "pulling public.orders from s2", List.of("orders", "items"), 7, view.age()), view);
        assertTrue(!view.age().isNegative());

        first.phase(OpenSteps.Phase.RUNNING);
        first.close();
        first.close();
        assertEquals(List.of(43), steps.snapshot().stream().map(OpenSteps.View::client).toList());
        second.close();
        assertEquals(List.of(), steps.snapshot());
    }
}
