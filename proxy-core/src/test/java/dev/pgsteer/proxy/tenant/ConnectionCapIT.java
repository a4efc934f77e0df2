package dev.pgsteer.proxy.tenant;

import static dev.pgsteer.proxy.tenant.TenancyIT.items;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.TenantCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code max_backend_connections} bounds the connections of all pools together: six tenants, each
 * with its own pool, are served one after the other by at most two backend connections.
 */
class ConnectionCapIT {

    @Test
    void tenantPoolsShareTheGlobalCap() throws Exception {
        try (TenantCluster cluster = new TenantCluster("", "max_backend_connections: 2\n")) {
            for (int round = 0; round < 2; round++) {
                for (String tenant : List.of("acme", "beta", "globex", "hooli", "initech", "umbrella")) {
                    try (Connection c = cluster.connect(tenant)) {
                        List<String> rows = items(c, "SELECT item FROM orders");
                        assertTrue(!rows.isEmpty() && rows.stream().allMatch(r -> r.startsWith(tenant + "-")), tenant + ": " + rows);
                    }
                    assertTrue(open(cluster) <= 2, "backend connections open: " + open(cluster));
                }
            }
            // Tenants' pools are metered by logical database and mode, never one series per tenant.
            String scrape = cluster.proxy.prometheus().scrape();
            assertTrue(scrape.contains("pgsteer_pool_connections{backend=\"s0\",backend_database=\"saas\",tenant_mode=\"schema\"}"), scrape);
            assertTrue(scrape.contains("pgsteer_pool_connections{backend=\"s0\",backend_database=\"saas\",tenant_mode=\"database\"}"), scrape);
            assertTrue(!scrape.contains("initech_db"), "no series names a tenant's database");
            var tenants = java.util.regex.Pattern.compile("(?m)^pgsteer_tenants (\\d+)").matcher(scrape);
            assertTrue(tenants.find() && Integer.parseInt(tenants.group(1)) == cluster.proxy.context().tenants().directory().tenants().size(),
                    scrape);
            assertTrue(scrape.contains("pgsteer_metadata_store_reachable 1"), scrape);

        }
    }

    /** Connections open across pools, as SHOW POOLS counts them. */
    private static long open(TenantCluster cluster) throws Exception {
        long total = 0;
        try (Connection c = cluster.connect("admin", "pgsteer", null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW POOLS")) {
            while (rs.next()) {
                total += rs.getLong("sv_total");
            }
        }
        return total;
    }
}
