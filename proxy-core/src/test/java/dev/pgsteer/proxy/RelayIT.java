package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RelayIT {
    static EmbeddedBackend backend;
    static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(backend.quickConfig()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static Connection viaProxy() throws SQLException {
        return Pgjdbc.connect(proxy, EmbeddedBackend.DATABASE);
    }

    @Test
    void simpleSelectComesBackThroughTheProxy() throws Exception {
        try (Connection c = viaProxy(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 40 + 2, current_database()")) {
            assertTrue(rs.next());
            assertEquals(42, rs.getInt(1));
            assertEquals(EmbeddedBackend.DATABASE, rs.getString(2));
        }
    }

    @Test
    void backendErrorsKeepTheirSqlState() throws Exception {
        try (Connection c = viaProxy(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1/0"));
            assertEquals("22012", e.getSQLState());
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }
}
