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
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes the two-phase commits of a node that can no longer finish them itself: on every shard, each
 * transaction that node left prepared is committed if the {@link DecisionLog} holds its decision, and
 * rolled back otherwise (presumed abort). The node is this one at start with a local log (its previous
 * run), or, with a metadata store, any node whose lease another instance ended ({@link LeaseKeeper}).
 * Through pgjdbc, off the event loops.
 *
 * <p>Per shard, the prepared transactions are listed first and the decisions read after: a decision
 * removed in between was removed because every shard had committed it, so the ROLLBACK PREPARED that
 * follows finds nothing to roll back and fails harmlessly (42704), never undoing a commit.
 */
public final class InDoubtResolver {
    private static final Logger log = LoggerFactory.getLogger(InDoubtResolver.class);

    private InDoubtResolver() {
    }

    /** What was resolved, one line each; {@code complete} when every shard was read and every transaction found was finished. */
    public record Outcome(List<String> lines, boolean complete) {
    }

    /** At start with a local log: the prepared transactions of this log's own node (its previous run). */
    public static List<String> resolve(ProxyConfig config, DecisionLog decisions) {
        String node = decisions.node();
        return resolve(config, decisions, gid -> gid.node().equals(node)).lines();
    }

    /** The prepared transactions whose gid {@code resolvable} accepts, committed where {@code decisions} holds a commit. */
    public static Outcome resolve(ProxyConfig config, DecisionLog decisions, Predicate<Gid> resolvable) {
        return resolve(config, resolvable, decisions::decided);
    }

    /**
     * The prepared transactions whose gid {@code resolvable} accepts, on every shard of every sharded
     * database: committed when {@code committed} (asked per shard, after the listing) names them, rolled
     * back otherwise. {@code complete} in the outcome: every shard was read and every one found finished.
     */
    public static Outcome resolve(ProxyConfig config, Predicate<Gid> resolvable, Function<Collection<Gid>, Set<Gid>> committed) {
        List<String> done = new ArrayList<>();
        boolean complete = true;
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
                try (Connection c = open(backend, dbName)) {
                    Map<String, Gid> prepared = new LinkedHashMap<>();
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                            "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'pgsteer\\_%'")) {
                        while (rs.next()) {
                            String name = rs.getString(1);
                            Gid.parse(name).filter(resolvable).ifPresent(gid -> prepared.put(name, gid));
                        }
                    }
                    if (prepared.isEmpty()) {
                        continue;
                    }
                    Set<Gid> decided = committed.apply(prepared.values());
                    for (Map.Entry<String, Gid> entry : prepared.entrySet()) {
                        boolean commit = decided.contains(entry.getValue());
                        if (finish(c, entry.getKey(), commit)) {
                            done.add((commit ? "committed " : "rolled back ") + entry.getKey() + " on shard " + shard);
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    complete = false;
                    log.warn("cannot check shard {} of database {} for interrupted two-phase commits: {}",
                            shard, database.name(), e.getMessage());
                }
            }
        }
        return new Outcome(done, complete);
    }

    /** True when this call finished it; false when it was gone already (finished by its owner or another resolver). */
    private static boolean finish(Connection c, String prepared, boolean commit) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute((commit ? "COMMIT" : "ROLLBACK") + " PREPARED '" + prepared.replace("'", "''") + "'");
            return true;
        } catch (SQLException e) {
            if ("42704".equals(e.getSQLState())) {
                return false;   // "prepared transaction with identifier ... does not exist"
            }
            throw e;
        }
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
        props.setProperty("socketTimeout", "30");
        props.setProperty("ApplicationName", "pgsteer in-doubt resolver");
        backend.jdbcSslProperties(props);
        return DriverManager.getConnection("jdbc:postgresql://" + backend.url().host() + ":" + backend.url().port() + "/" + database, props);
    }
}
