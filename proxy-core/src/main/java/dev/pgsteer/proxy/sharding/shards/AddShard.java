package dev.pgsteer.proxy.sharding.shards;

import dev.pgsteer.config.AddedShard;
import dev.pgsteer.config.AddedShards;
import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.BackendJdbc;
import dev.pgsteer.config.store.ShardExistsException;
import dev.pgsteer.protocol.SqlState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ADD SHARD name URL [TO database] [SCHEMA EXISTS]}: makes an empty server a shard of a sharded
 * database, on every instance. In order:
 * <ol>
 *   <li>checks (a metadata store, the database, a new name and server) before any connection;</li>
 *   <li>opens a repeatable-read transaction on the database's default shard that locks its tables
 *       (reference tables in SHARE mode, so their rows cannot change until the new shard is served and
 *       takes their writes too; the others so that their definitions cannot);</li>
 *   <li>refuses what a copy would not make (triggers, rules, policies, types it does not handle, ...), by name;</li>
 *   <li>on the new server, in one transaction: refuses user tables already there, or with {@code SCHEMA
 *       EXISTS} checks the tables are there with the same columns; makes the schema ({@link SourceSchema}),
 *       copies the reference tables' rows ({@link ReferenceRows}), commits;</li>
 *   <li>adds the shard to the metadata store, which every instance follows, and waits until this one
 *       serves it; then lets the default shard's locks go.</li>
 * </ol>
 * A failure before the store's row leaves the store as it was (the new server's transaction rolled
 * back). Blocks on JDBC: never on an event loop.
 */
public final class AddShard {
    private static final Logger log = LoggerFactory.getLogger(AddShard.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long the other instances get to follow a new shard list before the reference tables are compared. */
    private static final Duration FOLLOW_GRACE = Duration.ofMillis(500);

    /** What the console asked for; {@code database} null: the only sharded database. */
    public record Request(String name, String url, String database, boolean schemaExists) {
    }

    /** A step done, for the command's answer. */
    public record Step(String database, String shard, String step, String done) {
    }

    private AddShard() {
    }

    public static List<Step> run(ProxyConfig config, ShardList shards, Request request) {
        if (shards.store().isEmpty()) {
            throw new ShardChangeException(SqlState.FEATURE_NOT_SUPPORTED, "ADD SHARD needs a metadata store: a shard added to "
                    + "this instance only would be lost at its restart and unseen by other instances, which would route "
                    + "the buckets put on it elsewhere", "add metadata_store: to the configuration; without one, add the shard to "
                    + "backends: and to the database's shards: in the file, then RELOAD");
        }
        DatabaseConfig database = databaseOf(config, request.database());
        String name = request.name();
        if (!NAME.matcher(name).matches()) {
            throw new ShardChangeException(SqlState.INVALID_PARAMETER_VALUE, "invalid shard name " + name,
                    "a shard name is a letter or _ then letters, digits, _, . or -");
        }
        if (database.shards().contains(name)) {
            throw new ShardChangeException(SqlState.DUPLICATE_OBJECT, "database " + database.name() + " has a shard " + name
                    + " already", "SHOW SHARDS lists them; choose another name");
        }
        BackendUrl url;
        try {
            url = BackendUrl.parse(request.url());
        } catch (IllegalArgumentException e) {
            throw new ShardChangeException(SqlState.INVALID_PARAMETER_VALUE, "invalid URL: " + e.getMessage(),
                    "write postgresql://[user[:password]@]host:port/database");
        }
        if (database.backendDatabase() != null && url.database() != null && !url.database().equals(database.backendDatabase())) {
            throw new ShardChangeException(SqlState.INVALID_PARAMETER_VALUE, "database " + database.name()
                    + " has backend_database " + database.backendDatabase() + " on every shard, and the URL names "
                    + url.database(), "name " + database.backendDatabase() + " in the URL, or no database");
        }
        AddedShard shard = new AddedShard(database.name(), name, url);
        ProxyConfig merged;
        try {
            merged = new AddedShards(0, List.of(shard)).applyTo(config);
        } catch (IllegalArgumentException e) {
            throw new ShardChangeException(SqlState.DUPLICATE_OBJECT, e.getMessage(), null);
        }
        DatabaseConfig grown = merged.databases().get(database.name());
        BackendConfig target = merged.backends().get(name);
        String targetDatabase = merged.shardDatabaseName(grown, name);
        for (String other : database.shards()) {
            BackendConfig existing = config.backends().get(other);
            if (existing.url().host().equalsIgnoreCase(target.url().host()) && existing.url().port() == target.url().port()
                    && config.shardDatabaseName(database, other).equals(targetDatabase)) {
                throw new ShardChangeException(SqlState.DUPLICATE_OBJECT, "that server and database are shard " + other
                        + " of database " + database.name() + " already", "give the new shard an empty database of its own");
            }
        }
        String sourceShard = database.defaultShard();
        BackendConfig source = config.backends().get(sourceShard);
        List<String> referenceTables = database.tables().values().stream()
                .filter(t -> t instanceof TableConfig.Reference).map(TableConfig::name).toList();
        List<Step> steps = new ArrayList<>();
        String where = BackendJdbc.describe(target.url().withCredentials(null, null));
        try (Connection from = connect(source, config.shardDatabaseName(database, sourceShard), "pgsteer add shard (source)");
             Connection to = connect(target, targetDatabase, "pgsteer add shard (target)")) {
            List<String> tables = SourceSchema.tables(from).stream().map(SourceSchema.Table::name).toList();
            List<String> references = ReferenceRows.among(SourceSchema.tables(from), referenceTables);
            from.setAutoCommit(false);
            try (Statement st = from.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
                st.execute("SET LOCAL lock_timeout = '10s'");
                st.execute("SET LOCAL search_path = ''");
                // Locks first, so the snapshot the reads take holds no change a lock would have waited for.
                for (String table : tables) {
                    st.execute("LOCK TABLE " + table + " IN " + (references.contains(table) ? "SHARE" : "ACCESS SHARE") + " MODE");
                }
            }
            List<String> notCopied = SourceSchema.notCopied(from);
            if (!notCopied.isEmpty() && !request.schemaExists()) {
                throw new ShardChangeException(SqlState.FEATURE_NOT_SUPPORTED, "ADD SHARD cannot copy these objects of shard "
                        + sourceShard + ": " + String.join(", ", notCopied), "create the schema on the new server yourself "
                        + "(these objects included), then run ADD SHARD " + name + " '...' SCHEMA EXISTS, which checks its tables instead of copying");
            }
            to.setAutoCommit(false);
            try (Statement st = to.createStatement()) {
                st.execute("SET LOCAL search_path = ''");
            }
            List<String> present = SourceSchema.relations(to);
            if (request.schemaExists()) {
                steps.add(new Step(database.name(), name, "schema", SchemaExists.check(from, to, tables, sourceShard, where)));
            } else {
                if (!present.isEmpty()) {
                    throw new ShardChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, where + " is not empty: it has "
                            + abbreviate(present), "give ADD SHARD an empty database, or, when its schema is the other shards', "
                            + "add SCHEMA EXISTS");
                }
                SchemaScript script = SourceSchema.read(from);
                script.applyDefinitions(to);
                steps.add(new Step(database.name(), name, "schema", "copied from " + sourceShard + ": " + script.counts().describe()));
                copyReferenceRows(from, to, references, false, database.name(), name, steps);
                script.applyConstraintsAfterRows(to);
            }
            if (request.schemaExists()) {
                copyReferenceRows(from, to, references, true, database.name(), name, steps);
            }
            to.commit();
            AddedShards list;
            try {
                list = shards.add(shard);
            } catch (ShardExistsException e) {
                throw new ShardChangeException(SqlState.DUPLICATE_OBJECT, e.getMessage() + " (another instance added it meanwhile;"
                        + " the schema made on " + where + " stays)", "SHOW SHARDS");
            } catch (RuntimeException e) {
                // The store did not take it (unreachable): the new server has the schema, no instance routes to it.
                throw new ShardChangeException(SqlState.CONNECTION_FAILURE, "ADD SHARD " + name + ": the schema was made on " + where
                        + ", but the metadata store did not record the shard: " + e.getMessage(), "when the store is back, run "
                        + "the same ADD SHARD with SCHEMA EXISTS");
            }
            from.commit();
            steps.add(new Step(database.name(), name, "metadata store", "added at shard list version " + list.version()
                    + "; every instance follows"));
            if (!references.isEmpty()) {
                steps.add(new Step(database.name(), name, "reference check", sameReferenceRows(from, to, references, sourceShard, name)));
            }
            steps.add(new Step(database.name(), name, "serving", where + " is shard " + name + " of " + database.name()
                    + "; it holds no bucket yet: SET BUCKET (an empty bucket) or MOVE BUCKET puts one there"));
            log.info("ADD SHARD: {} is shard {} of database {} (shard list version {})", where, name, database.name(), list.version());
            return steps;
        } catch (SQLException e) {
            throw new ShardChangeException(e.getSQLState() != null && e.getSQLState().startsWith("08") ? SqlState.CONNECTION_FAILURE
                    : SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "ADD SHARD " + name + " failed, nothing was added: " + e.getMessage(), null);
        }
    }

    private static void copyReferenceRows(Connection from, Connection to, List<String> references, boolean onlyEmpty,
                                          String database, String name, List<Step> steps) throws SQLException {
        for (String table : references) {
            if (onlyEmpty) {
                long there = ReferenceRows.count(to, table);
                long here = ReferenceRows.count(from, table);
                if (there != 0) {
                    if (there != here) {
                        throw new ShardChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "reference table " + table + " has "
                                + there + " rows on the new server and " + here + " on the default shard",
                                "empty it on the new server (ADD SHARD copies the rows), or copy them all");
                    }
                    steps.add(new Step(database, name, "reference rows", table + ": " + there + " rows there already"));
                    continue;
                }
            }
            long rows = ReferenceRows.copy(from, to, table);
            steps.add(new Step(database, name, "reference rows", table + ": " + rows + " rows copied"));
        }
    }

    /**
     * The reference tables read alike on the default shard and the new one, once the other instances
     * had time to follow: a write an instance routed before it served the new shard waited on the
     * default shard's lock and then wrote the old shards only. Said, not hidden: such a table must be
     * copied again (a read that joins it on the new shard would miss the row).
     */
    private static String sameReferenceRows(Connection from, Connection to, List<String> tables, String sourceShard, String name)
            throws SQLException {
        from.setAutoCommit(true);
        to.setAutoCommit(true);
        List<String> differ = List.of();
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Thread.sleep(FOLLOW_GRACE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            List<String> now = new ArrayList<>();
            for (String table : tables) {
                String there = ReferenceRows.fingerprint(to, table);
                String here = ReferenceRows.fingerprint(from, table);
                if (!there.equals(here)) {
                    now.add(table + " (" + here + " on " + sourceShard + ", " + there + " on " + name + ")");
                }
            }
            differ = now;
            if (differ.isEmpty()) {
                return "the same rows on " + name + " as on " + sourceShard + ": " + String.join(", ", tables);
            }
        }
        log.warn("ADD SHARD {}: reference tables differ from {}: {}", name, sourceShard, String.join("; ", differ));
        return "WARNING: written during ADD SHARD, these differ from " + sourceShard + ": " + String.join("; ", differ)
                + "; while no one writes them, TRUNCATE them on " + name + " and copy them from " + sourceShard + " again";
    }

    private static DatabaseConfig databaseOf(ProxyConfig config, String name) {
        if (name != null) {
            DatabaseConfig database = config.databases().get(name);
            if (database == null || !database.isSharded() || database.isTenanted()) {
                throw new ShardChangeException(SqlState.INVALID_CATALOG_NAME, "there is no sharded database " + name,
                        "the sharded databases are " + sharded(config));
            }
            return database;
        }
        List<DatabaseConfig> all = config.databases().values().stream().filter(d -> d.isSharded() && !d.isTenanted()).toList();
        if (all.size() == 1) {
            return all.getFirst();
        }
        throw new ShardChangeException(SqlState.INVALID_PARAMETER_VALUE, all.isEmpty() ? "this pgsteer serves no sharded database"
                : "which database? this pgsteer serves " + sharded(config), all.isEmpty() ? null : "add TO database");
    }

    private static String sharded(ProxyConfig config) {
        return String.join(", ", config.databases().values().stream().filter(d -> d.isSharded() && !d.isTenanted())
                .map(DatabaseConfig::name).toList());
    }

    /**
     * A control-plane connection for a copy: the backend's login and TLS, a short connect timeout, and no
     * socket timeout, since copying a large reference table may take longer than any answer should.
     */
    private static Connection connect(BackendConfig backend, String database, String applicationName) throws SQLException {
        Properties props = BackendJdbc.properties(backend, CONNECT_TIMEOUT, applicationName);
        props.setProperty("socketTimeout", "0");
        return java.sql.DriverManager.getConnection(BackendJdbc.url(backend.url(), database), props);
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + " and " + (names.size() - 10) + " more";
    }
}
