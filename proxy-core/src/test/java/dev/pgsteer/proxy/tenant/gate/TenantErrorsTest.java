package dev.pgsteer.proxy.tenant.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TenantErrorsTest {
    @Test
    void switchBetweenTenantsAsksToEndTheTransaction() {
        TenantErrors error = TenantErrors.switchInTransaction("acme", "globex");
        assertEquals("25001", error.sqlState());
        assertEquals("cannot switch from tenant \"acme\" to \"globex\" inside a transaction", error.message());
        assertEquals("COMMIT or ROLLBACK first", error.hint());
    }

    /** psycopg2 sends BEGIN before "/* tenant=globex *\/ SELECT ...": the hint says how to name the tenant first. */
    @Test
    void namingATenantAfterATenantlessBeginSaysHowToNameItBefore() {
        TenantErrors error = TenantErrors.switchInTransaction(TenantErrors.NO_TENANT_LABEL, "globex");
        assertEquals("25001", error.sqlState());
        assertEquals("cannot switch from tenant \"(none)\" to \"globex\" inside a transaction", error.message());
        assertTrue(error.hint().contains("options=-c pgsteer.tenant=name"), error.hint());
        assertTrue(error.hint().contains("send BEGIN themselves"), error.hint());
    }
}
