package dev.pgsteer.proxy.it;

import java.lang.reflect.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.postgresql.util.PGobject;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Turns what pgjdbc hands back (result sets, their metadata, exceptions) into plain text, so that a
 * run through pgsteer and a run straight to PostgreSQL can be compared with one assertEquals, and a
 * difference reads as a line of text.
 */
final class JdbcOutcomes {
    private JdbcOutcomes() {
    }

    /** Each column's metadata, then each row as getString and getObject see it. */
    static List<String> describe(ResultSet rs) throws SQLException {
        List<String> lines = new ArrayList<>();
        ResultSetMetaData md = rs.getMetaData();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            lines.add("column " + i + ": label=" + md.getColumnLabel(i) + " name=" + md.getColumnName(i)
                    + " type=" + md.getColumnTypeName(i) + " sqlType=" + md.getColumnType(i)
                    + " class=" + md.getColumnClassName(i) + " precision=" + md.getPrecision(i) + " scale=" + md.getScale(i)
                    + " displaySize=" + md.getColumnDisplaySize(i) + " signed=" + md.isSigned(i)
                    + " nullable=" + md.isNullable(i) + " table=" + md.getTableName(i));
        }
        int row = 0;
        while (rs.next()) {
            row++;
            StringBuilder line = new StringBuilder("row " + row + ":");
            for (int i = 1; i <= md.getColumnCount(); i++) {
                line.append(" | ").append(rs.getString(i)).append(" => ").append(value(rs.getObject(i)));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** A value with its Java type, so that a type that changed on the way shows. */
    static String value(Object value) throws SQLException {
        return switch (value) {
            case null -> "null";
            case byte[] bytes -> "byte[]:" + HexFormat.of().formatHex(bytes);
            case java.sql.Array array -> "Array<" + array.getBaseTypeName() + ">:" + elements(array.getArray());
            case PGobject object -> "PGobject<" + object.getType() + ">:" + object.getValue();
            default -> value.getClass().getName() + ":" + value;
        };
    }

    private static String elements(Object array) throws SQLException {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < Array.getLength(array); i++) {
            Object item = Array.get(array, i);
            items.add(item != null && item.getClass().isArray() ? elements(item) : value(item));
        }
        return items.toString();
    }

    /** The SQLSTATE and every field of the server's error, when there is one. */
    static String error(SQLException e) {
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName()).append(" sqlState=").append(e.getSQLState());
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
            ServerErrorMessage server = psql.getServerErrorMessage();
            text.append(" severity=").append(server.getSeverity())
                    .append(" message=").append(server.getMessage())
                    .append(" detail=").append(server.getDetail())
                    .append(" hint=").append(server.getHint())
                    .append(" position=").append(server.getPosition())
                    .append(" where=").append(server.getWhere())
                    .append(" routine=").append(server.getRoutine());
        } else {
            text.append(" message=").append(e.getMessage());
        }
        if (e.getNextException() != null && e.getNextException() != e) {
            text.append(" next: ").append(error(e.getNextException()));
        }
        return text.toString();
    }
}
