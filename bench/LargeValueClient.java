import java.security.MessageDigest;
import java.sql.*;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Sends one bytea of MiB mebibytes through pgjdbc, as a Bind parameter (insert) or as one CopyData
 * of the whole value (copyin), and prints whether PostgreSQL's sha256 of what it stored matches.
 * For bench/large-value-rss.sh: java -cp postgresql.jar LargeValueClient.java JDBC_URL insert|copyin MiB
 * (user app, password app-secret).
 */
public class LargeValueClient {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String mode = args[1];
        int size = Integer.parseInt(args[2]) << 20;
        byte[] value = new byte[size];
        new SplittableRandom(42).nextBytes(value);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        try (Connection c = DriverManager.getConnection(url, "app", "app-secret"); Statement s = c.createStatement()) {
            s.execute("CREATE UNLOGGED TABLE IF NOT EXISTS blobs (id serial PRIMARY KEY, how text, data bytea)");
            s.execute("ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL");
            long t0 = System.nanoTime();
            if (mode.equals("insert")) {
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO blobs (how, data) VALUES ('insert', ?)")) {
                    insert.setBytes(1, value);
                    insert.executeUpdate();
                }
            } else {
                CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY blobs (how, data) FROM STDIN (FORMAT binary)");
                java.nio.ByteBuffer start = java.nio.ByteBuffer.allocate(64);
                start.put("PGCOPY\n\377\r\n\0".getBytes("ISO-8859-1")).putInt(0).putInt(0)
                        .putShort((short) 2).putInt(6).put("copyin".getBytes()).putInt(size);
                copy.writeToCopy(start.array(), 0, start.position());
                copy.writeToCopy(value, 0, size);   // one CopyData of the whole value
                copy.writeToCopy(new byte[] {-1, -1}, 0, 2);
                copy.endCopy();
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            try (ResultSet rs = s.executeQuery("SELECT octet_length(data), encode(sha256(data), 'hex') = '" + sha
                    + "' FROM blobs WHERE how = '" + mode + "' ORDER BY id DESC LIMIT 1")) {
                rs.next();
                System.out.println(mode + ": " + rs.getLong(1) + " bytes stored in " + ms + " ms, sha256 matches: " + rs.getBoolean(2));
            }
        }
    }
}
