package dev.pgsteer.proxy.tenant;

import static dev.pgsteer.proxy.tenant.TenancyIT.items;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
