package dev.pgsteer.proxy.sharding.shards;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * The rows of reference tables ({@code kind: reference}, a full copy on every shard), streamed from the
 * default shard to the new one with binary COPY, chunk by chunk, inside both sides' transactions: the
 * source's snapshot, the target's transaction that also made the tables. Generated columns are left
 * out of both lists, since PostgreSQL computes them.
 */
final class ReferenceRows {
    private static final String COLUMNS = "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
            + "FROM pg_catalog.pg_attribute a WHERE a.attrelid = pg_catalog.to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped "
            + "AND a.attgenerated = ''";

    private ReferenceRows() {
    }

    /**
     * The tables of {@code names} (the file's reference tables, without their schema) as the source
     * names them ({@code "public"."products"}), among {@code tables}.
     */
    static List<String> among(List<SourceSchema.Table> tables, List<String> names) {
        return tables.stream().filter(t -> names.stream().anyMatch(name -> name.equalsIgnoreCase(t.bare())))
                .map(SourceSchema.Table::name).toList();
    }

    /** Copies {@code table}'s rows; returns how many. */
    static long copy(Connection source, Connection target, String table) throws SQLException {
        String columns;
        try (PreparedStatement st = source.prepareStatement(COLUMNS)) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                columns = rs.getString(1);
            }
        }
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI()
                .copyOut("COPY " + table + " (" + columns + ") TO STDOUT (FORMAT binary)");
        CopyIn in = target.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY " + table + " (" + columns + ") FROM STDIN (FORMAT binary)");
        try {
            byte[] chunk;
            while ((chunk = out.readFromCopy()) != null) {
                in.writeToCopy(chunk, 0, chunk.length);
            }
            return in.endCopy();
        } catch (SQLException | RuntimeException e) {
            if (in.isActive()) {
                in.cancelCopy();
            }
            if (out.isActive()) {
                out.cancelCopy();
            }
            throw e;
        }
    }

    /** The rows of {@code table} in a few bytes: their count and the md5 of their text, in order. */
    static String fingerprint(Connection connection, String table) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(t::text, "
                + "E'\\n' ORDER BY t::text), '')) FROM " + table + " t"); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The number of rows of {@code table}. */
    static long count(Connection connection, String table) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT count(*) FROM " + table); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
