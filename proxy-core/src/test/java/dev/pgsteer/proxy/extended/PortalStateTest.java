package dev.pgsteer.proxy.extended;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.message.frontend.Target;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortalStateTest {
    private final List<String> released = new ArrayList<>();
    private final PortalState<String, String> state = new PortalState<>(released::add);

    private static String found(Lookup<String> lookup) {
        return switch (lookup) {
            case Lookup.Found<String>(String value) -> value;
            case Lookup.Refused<String>(var error) -> "refused " + error.sqlState() + ": " + error.message();
        };
    }

    @Test
    void aNamedStatementIsPreparedOnceTheUnnamedOneIsReplaced() {
        assertEquals("SELECT 1", found(state.prepare("s", "SELECT 1")));
        assertEquals("refused 42P05: prepared statement \"s\" already exists", found(state.prepare("s", "SELECT 2")));
        assertEquals("SELECT 1", found(state.statement("s")));
        state.prepare("", "SELECT 3");
        assertEquals("SELECT 4", found(state.prepare("", "SELECT 4")));
        assertEquals("SELECT 4", found(state.statement("")));
    }

    @Test
    void unknownNamesAre26000And34000() {
        assertEquals("refused 26000: prepared statement \"s\" does not exist", found(state.statement("s")));
        assertEquals("refused 34000: portal \"c\" does not exist", found(state.portal("c")));
    }

    @Test
    void aPortalIsReleasedWhenReplacedClosedOrAtTheEndOfTheBatch() {
        state.bind("c", "first");
        state.bind("c", "second");
        assertEquals(List.of("first"), released);
        state.close(Target.PORTAL, "c");
        state.close(Target.PORTAL, "never bound");
        assertEquals(List.of("first", "second"), released);
        state.bind("d", "third");
        state.closePortals();
        assertEquals(List.of("first", "second", "third"), released);
        assertEquals("refused 34000: portal \"d\" does not exist", found(state.portal("d")));
    }

    @Test
    void closingAStatementKeepsItsPortals() {
        state.prepare("s", "SELECT 1");
        state.bind("c", "bound");
        state.close(Target.STATEMENT, "s");
        assertEquals("refused 26000: prepared statement \"s\" does not exist", found(state.statement("s")));
        assertEquals("bound", found(state.portal("c")));
    }

    @Test
    void theUnnamedStatementCanBeForgottenAlone() {
        state.prepare("", "SELECT 1");
        state.prepare("s", "SELECT 2");
        state.forgetUnnamedStatement();
        assertEquals("refused 26000: prepared statement \"\" does not exist", found(state.statement("")));
        assertEquals("SELECT 2", found(state.statement("s")));
        state.clear();
        assertEquals("refused 26000: prepared statement \"s\" does not exist", found(state.statement("s")));
    }

    @Test
    void aNameIsPreparableUnlessANamedStatementHoldsIt() {
        state.prepare("s", "SELECT 1");
        state.prepare("", "SELECT 2");
        assertEquals(false, state.preparable("s"));
        assertEquals(true, state.preparable(""));
        assertEquals(true, state.preparable("t"));
    }

    @Test
    void forgettingTheStatementsKeepsThePortals() {
        state.prepare("s", "SELECT 1");
        state.bind("c", "bound");
        state.forgetStatements();
        assertEquals("refused 26000: prepared statement \"s\" does not exist", found(state.statement("s")));
        assertEquals("bound", found(state.portal("c")));
        assertEquals(List.of(), released);
    }
}
