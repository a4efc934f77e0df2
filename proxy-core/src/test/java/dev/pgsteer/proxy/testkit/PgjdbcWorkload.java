package dev.pgsteer.proxy.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A pgjdbc workload that touches what transaction pooling can break: statements prepared and
 * reused, generated keys, a batch, a cursor read with a fetch size inside a transaction, an error
 * and the aborted transaction after it. Needs a table {@code items (id serial, owner int, label
 * text, price numeric(10,2))}.
 */
public final class PgjdbcWorkload {
    private PgjdbcWorkload() {
    }

    public static Connection connect(int port, String options) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(port, EmbeddedBackend.DATABASE, options),
                EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
    }

    /** One workload, written once, observed as text: values, labels, counts, SQLSTATEs. */
    public static List<String> run(Connection c, int owner) throws SQLException {
        List<String> seen = new ArrayList<>();
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO items (owner, label, price) VALUES (?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS);
             PreparedStatement select = c.prepareStatement("SELECT label, price FROM items WHERE owner = ? ORDER BY label");
             PreparedStatement count = c.prepareStatement("SELECT count(*) AS n FROM items WHERE owner = ?")) {
            for (int i = 0; i < 8; i++) {
                insert.setInt(1, owner);
                insert.setString(2, "item-" + i);
                insert.setBigDecimal(3, new java.math.BigDecimal(i + ".25"));
                seen.add("insert " + insert.executeUpdate());
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    seen.add("key " + keys.next());
                }
                count.setInt(1, owner);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    seen.add(rs.getMetaData().getColumnLabel(1) + "=" + rs.getLong(1));
                }
            }
            for (int i = 0; i < 10; i++) {
                insert.setInt(1, owner);
                insert.setString(2, "batch-" + i);
                insert.setBigDecimal(3, java.math.BigDecimal.ONE);
                insert.addBatch();
            }
            seen.add("batch " + java.util.Arrays.toString(insert.executeBatch()));
            c.setAutoCommit(false);
            select.setFetchSize(3);
            select.setInt(1, owner);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    seen.add(rs.getString(1) + ":" + rs.getBigDecimal(2));
                }
            }
            try (Statement s = c.createStatement()) {
                s.executeQuery("SELECT 1/0");
            } catch (SQLException e) {
                seen.add("error " + e.getSQLState());
            }
            try {
                count.executeQuery();
            } catch (SQLException e) {
                seen.add("then " + e.getSQLState());
            }
            c.rollback();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                seen.add("deleted " + s.executeUpdate("DELETE FROM items WHERE owner = " + owner));
            }
        }
        return seen;
    }

}
