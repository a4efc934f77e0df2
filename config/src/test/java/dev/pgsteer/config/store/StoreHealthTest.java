package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Which failures mean "unreachable", and how a failure reads. */
class StoreHealthTest {

    private static final String WHERE = "postgresql://meta:5432/control (schema pgsteer)";

    @Test
    void aConnectionFailureMarksTheStoreUnreachable() {
        StoreHealth health = new StoreHealth(WHERE);
        SQLException timeout = new SQLTransientConnectionException(
                "pgsteer-metadata - Connection is not available, request timed out after 3000ms", "08001",
                new SQLException("Connection to meta:5432 refused.", "08001"));

        MetadataStoreException e = health.failure("load the tenant directory", timeout);

        assertFalse(health.reachable());
        assertEquals("metadata store postgresql://meta:5432/control (schema pgsteer): cannot load the tenant directory: "
                + "pgsteer-metadata - Connection is not available, request timed out after 3000ms "
                + "(Connection to meta:5432 refused.); check that PostgreSQL runs there and accepts connections from "
                + "this proxy", e.getMessage());
        health.confirmed();
        assertTrue(health.reachable());
    }

    @Test
    void aRefusedStatementIsNotAnOutage() {
        StoreHealth health = new StoreHealth(WHERE);

        MetadataStoreException e = health.failure("create tenant acme",
                new SQLException("ERROR: permission denied for table tenants", "42501"));

        assertTrue(health.reachable());
        assertEquals("metadata store postgresql://meta:5432/control (schema pgsteer): cannot create tenant acme: "
                + "ERROR: permission denied for table tenants", e.getMessage());
    }

    @Test
    void connectionClassesAndShutdownsCount() {
        assertTrue(StoreHealth.isConnectionFailure(new SQLException("x", "08006")));
        assertTrue(StoreHealth.isConnectionFailure(new SQLException("terminating connection", "57P01")));
        assertTrue(StoreHealth.isConnectionFailure(new SQLException("no state")));
        assertFalse(StoreHealth.isConnectionFailure(new SQLException("duplicate", "23505")));
    }
}
