package dev.pgsteer.router.resolve;

import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An INSERT without a column list into a sharded table, written as PostgreSQL reads it: with the
 * table's first columns named, as many as the rows give values. The shards run this text, not the
 * client's: were the columns pgsteer learned ever out of date, the named columns still receive
 * exactly the values the key was read from (a row never lands on another key's shard), and a name
 * that is gone fails on the shard instead of filling the wrong column.
 */
public final class InsertColumnList {
    private InsertColumnList() {
    }

    /**
     * The statement with {@code (columns)} written after its table (and its alias), the columns being
     * the first {@link Placement.InsertWithoutColumns#width()} of {@code columns}.
     */
    public static String withColumns(String text, Placement.InsertWithoutColumns insert, List<String> columns)
            throws RoutingException {
        var table = insert.table();
        int width = insert.width() < 0 ? columns.size() : Math.min(insert.width(), columns.size());
        int key = columns.indexOf(table.key());
        if (key < 0) {
            throw new RoutingException("42P10", "sharded table " + table.name() + " has no column " + table.key()
                    + ", its shard key; its columns are " + String.join(", ", columns));
        }
        if (key >= width) {
            throw new RoutingException("42P10", "INSERT into sharded table " + table.name() + " without a column list gives "
                    + width + " values, for its columns " + String.join(", ", columns.subList(0, width))
                    + ", not its shard key " + table.key() + " (column " + (key + 1) + "); give the key, or list the columns");
        }
        byte[] sql = text.getBytes(StandardCharsets.UTF_8);
        int at = afterTarget(sql);
        if (at < 0) {
            throw new RoutingException("42P10", "INSERT into sharded table " + table.name()
                    + " must list its columns, including the shard key " + table.key());
        }
        StringBuilder list = new StringBuilder(" (");
        for (int i = 0; i < width; i++) {
            list.append(i == 0 ? "" : ", ").append('"').append(columns.get(i).replace("\"", "\"\"")).append('"');
        }
        list.append(')');
        return new String(sql, 0, at, StandardCharsets.UTF_8) + list + new String(sql, at, sql.length - at, StandardCharsets.UTF_8);
    }

    /**
     * Where the column list goes: after {@code INSERT INTO name[.name...] [AS alias]}; -1 when the
     * statement does not start so (a WITH clause first: the caller refuses).
     */
    private static int afterTarget(byte[] sql) {
        SqlTokenizer tokens = new SqlTokenizer(sql, 0, sql.length, false);
        if (tokens.next() != SqlTokenizer.Kind.WORD || !tokens.isWord("insert")
                || tokens.next() != SqlTokenizer.Kind.WORD || !tokens.isWord("into") || !nextIsName(tokens)) {
            return -1;
        }
        int at = tokens.stop();
        SqlTokenizer ahead = tokens.lookahead();
        while (ahead.next() == SqlTokenizer.Kind.PUNCT && ahead.isPunct('.') && nextIsName(ahead)) {
            at = ahead.stop();
            ahead = ahead.lookahead();
        }
        ahead = new SqlTokenizer(sql, at, sql.length - at, false);
        if (ahead.next() == SqlTokenizer.Kind.WORD && ahead.isWord("as") && nextIsName(ahead)) {
            at = ahead.stop();
        }
        return at;
    }

    private static boolean nextIsName(SqlTokenizer tokens) {
        tokens.next();
        return tokens.isName();
    }
}
