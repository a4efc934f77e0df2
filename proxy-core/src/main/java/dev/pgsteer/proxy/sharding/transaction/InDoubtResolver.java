package dev.pgsteer.proxy.sharding.transaction;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, finishes the two-phase commits a crash interrupted: on every shard, each transaction this
 * node left prepared is committed if the {@link DecisionLog} holds its COMMIT, and rolled back
 * otherwise. Runs through pgjdbc, before the listener accepts clients.
 */
public final class InDoubtResolver {
    private static final Logger log = LoggerFactory.getLogger(InDoubtResolver.class);

    private InDoubtResolver() {
    }

    /** What was resolved, one line each, for the log. */
    public static List<String> resolve(ProxyConfig config, DecisionLog decisions) {
        List<String> done = new ArrayList<>();
        // Shards that are databases of one server share pg_prepared_xacts; each is read in its own database.
        Set<String> seen = new LinkedHashSet<>();
        for (DatabaseConfig database : config.databases().values()) {
            if (!database.isSharded()) {
                continue;
            }
            for (String shard : database.shards()) {
                BackendConfig backend = config.backends().get(shard);
                String dbName = config.shardDatabaseName(database, shard);
                if (!seen.add(backend.url().host() + ":" + backend.url().port() + "/" + dbName)) {
                    continue;
                }
                try (Connection c = open(backend, dbName); Statement s = c.createStatement()) {
                    List<String> gids = new ArrayList<>();
                    try (ResultSet rs = s.executeQuery("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"
                            + " AND gid LIKE '" + decisions.gidPrefix().replace("_", "\\_") + "%'")) {
                        while (rs.next()) {
                            gids.add(rs.getString(1));
                        }
                    }
                    for (String prepared : gids) {
                        int at = prepared.lastIndexOf(TwoPhaseCommit.SHARD_SEPARATOR);
                        String gid = at < 0 ? prepared : prepared.substring(0, at);
                        boolean commit = decisions.isCommitted(gid);
                        s.execute((commit ? "COMMIT" : "ROLLBACK") + " PREPARED '" + prepared.replace("'", "''") + "'");
                        done.add((commit ? "committed " : "rolled back ") + prepared + " on shard " + shard);
                    }
                } catch (SQLException e) {
                    log.warn("cannot check shard {} of database {} for interrupted two-phase commits: {}",
                            shard, database.name(), e.getMessage());
                }
            }
        }
        return done;
    }

    private static Connection open(BackendConfig backend, String database) throws SQLException {
        Properties props = new Properties();
        if (backend.url().user() != null) {
            props.setProperty("user", backend.url().user());
        }
        if (backend.url().password() != null) {
            props.setProperty("password", backend.url().password());
        }
        props.setProperty("connectTimeout", "5");
        props.setProperty("ApplicationName", "pgsteer in-doubt resolver");
        backend.jdbcSslProperties(props);
        return DriverManager.getConnection("jdbc:postgresql://" + backend.url().host() + ":" + backend.url().port() + "/" + database, props);
    }
}
