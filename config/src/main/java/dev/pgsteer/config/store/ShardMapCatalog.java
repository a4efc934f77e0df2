package dev.pgsteer.config.store;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.DirectoryDefault;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.SourceLines;
import dev.pgsteer.config.TableConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The check at start that the shard map fits the tables: for every sharded table, its key column is
 * looked up in the catalog of each shard that holds it, so routing learns the key's type (and so how
 * to hash and compare its values) and a misspelt key fails the start instead of misrouting rows.
 *
 * <p>A table that does not exist yet on a shard is not a problem: tables are often created later,
 * through the proxy. Nor is a backend that cannot be reached now: the proxy starts and it may come
 * back. Both give a warning for the log. Usage at start:
 *
 * <pre>{@code
 * ShardMapCatalog.Result checked = new ShardMapCatalog().check(config);
 * checked.warnings().forEach(log::warn);
 * config = checked.applyTo(config);   // throws ConfigException listing every problem
 * }</pre>
 *
 * Control plane only: plain JDBC connections, one per shard, opened and closed here; never on an event loop.
 */
public final class ShardMapCatalog {

    /** Opens a connection to {@code database} on {@code backend}. */
    @FunctionalInterface
    public interface Connector {
        Connection open(BackendConfig backend, String database) throws SQLException;
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** The table through the backend user's search_path, as an unqualified name in a statement resolves it. */
    private static final String TABLE_OID = "SELECT to_regclass(quote_ident(?))::oid";
    /** Columns with their types as PostgreSQL names them; a domain counts as its base type. */
    private static final String COLUMNS = """
            SELECT a.attname, format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, NULL)
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    private final Connector connector;

    public ShardMapCatalog() {
        this(jdbc(DEFAULT_TIMEOUT));
    }

    public ShardMapCatalog(Connector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    /**
     * pgjdbc through DriverManager, with the backend's URL, user, password and sslmode, and {@code timeout} to
     * connect and to answer.
     */
    public static Connector jdbc(Duration timeout) {
        return (backend, database) -> BackendJdbc.connect(backend, database, timeout, "pgsteer shard map check");
    }

    /**
     * The outcome: {@code databases} holds every sharded database, its sharded tables with the key type
     * learned where the catalogs told it; {@code warnings} are for the log; {@code problems} must stop the start.
     */
    public record Result(Map<String, DatabaseConfig> databases, List<String> warnings, List<ConfigProblem> problems) {
        public Result {
            databases = Collections.unmodifiableMap(new LinkedHashMap<>(databases));
            warnings = List.copyOf(warnings);
            problems = List.copyOf(problems);
        }

        public boolean hasProblems() {
            return !problems.isEmpty();
        }

        public void throwIfProblems() {
            if (hasProblems()) {
                throw new ConfigException(problems);
            }
        }

        /** {@code config} with the checked databases in place; throws ConfigException if there are problems. */
        public ProxyConfig applyTo(ProxyConfig config) {
            throwIfProblems();
            return config.withDatabases(databases);
        }
    }

    public Result check(ProxyConfig config) {
        Map<String, DatabaseConfig> checked = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        for (DatabaseConfig db : config.databases().values()) {
            if (db.isSharded()) {
                checked.put(db.name(), new DatabaseCheck(config, db, warnings, problems).run());
            }
        }
        return new Result(checked, warnings, problems);
    }

    /** What one shard's catalog says of one table: absent, or its columns in order, with their SQL type names. */
    private record Seen(String shard, String database, Map<String, String> columns) {
    }

    private final class DatabaseCheck {
        private final ProxyConfig config;
        private final DatabaseConfig db;
        private final List<String> warnings;
        private final List<ConfigProblem> problems;

        DatabaseCheck(ProxyConfig config, DatabaseConfig db, List<String> warnings, List<ConfigProblem> problems) {
            this.config = config;
            this.db = db;
            this.warnings = warnings;
            this.problems = problems;
        }

        DatabaseConfig run() {
            List<TableConfig.Sharded> sharded = db.tables().values().stream()
                    .filter(TableConfig.Sharded.class::isInstance).map(TableConfig.Sharded.class::cast).toList();
            if (sharded.isEmpty()) {
                return db;
            }
            Map<String, List<Seen>> seenOfTable = new LinkedHashMap<>();
            sharded.forEach(t -> seenOfTable.put(t.name(), new ArrayList<>()));
            for (String shard : db.shards()) {
                List<TableConfig.Sharded> here = sharded.stream().filter(t -> db.shardsOf(t).contains(shard)).toList();
                if (!here.isEmpty()) {
                    readShard(shard, here, seenOfTable);
                }
            }
            Map<String, TableConfig> tables = new LinkedHashMap<>(db.tables());
            for (TableConfig.Sharded table : sharded) {
                tables.put(table.name(), checkTable(table, seenOfTable.get(table.name())));
            }
            return db.withTables(tables);
        }

        private void readShard(String shard, List<TableConfig.Sharded> tables, Map<String, List<Seen>> into) {
            BackendConfig backend = config.backends().get(shard);
            String database = config.shardDatabaseName(db, shard);
            try (Connection connection = connector.open(backend, database)) {
                if (db.shards().size() > 1 && !preparesTransactions(connection)) {
                    warnings.add(config.source() + ": shard " + shard + " of database " + db.name()
                            + " has max_prepared_transactions = 0, so a transaction that writes on several shards cannot"
                            + " commit there (pgsteer commits those with PREPARE TRANSACTION); set max_prepared_transactions"
                            + " in its postgresql.conf to at least its max_connections, and restart it");
                }
                for (TableConfig.Sharded table : tables) {
                    Optional<Map<String, String>> columns = columns(connection, table.name());
                    if (columns.isPresent()) {
                        into.get(table.name()).add(new Seen(shard, database, columns.get()));
                    } else {
                        warnings.add(where(table) + ": table " + table.name() + " does not exist yet on shard " + shard
                                + " (database " + database + "); its key column " + table.key()
                                + " is not checked there (it is at the next start)");
                    }
                }
            } catch (SQLException e) {
                // BackendUrl.toString() leaves the password out; pgjdbc's messages do not carry it either.
                warnings.add(config.source() + ": cannot check the shard map of database " + db.name() + " on shard "
                        + shard + " (" + backend.url() + ", database "
                        + database + "): " + e.getMessage() + "; the key types of its tables are not checked there");
            }
        }

        private static boolean preparesTransactions(Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SHOW max_prepared_transactions")) {
                return !rows.next() || !"0".equals(rows.getString(1).trim());
            }
        }

        private static Optional<Map<String, String>> columns(Connection connection, String table) throws SQLException {
            Long oid;
            try (PreparedStatement find = connection.prepareStatement(TABLE_OID)) {
                find.setString(1, table);
                try (ResultSet rs = find.executeQuery()) {
                    rs.next();
                    oid = rs.getObject(1) == null ? null : rs.getLong(1);
                }
            }
            if (oid == null) {
                return Optional.empty();
            }
            Map<String, String> columns = new LinkedHashMap<>();
            try (PreparedStatement list = connection.prepareStatement(COLUMNS)) {
                list.setLong(1, oid);
                try (ResultSet rs = list.executeQuery()) {
                    while (rs.next()) {
                        columns.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            return Optional.of(columns);
        }

        private TableConfig.Sharded checkTable(TableConfig.Sharded table, List<Seen> seen) {
            int before = problems.size();
            Map<KeyType, List<String>> typesOn = new LinkedHashMap<>();
            for (Seen s : seen) {
                String sqlType = s.columns().get(table.key());
                if (sqlType == null) {
                    problem(table, "key column '" + table.key() + "' is not in table " + table.name() + " on shard "
                                    + s.shard() + " (database " + s.database() + "); its columns are "
                                    + (s.columns().isEmpty() ? "none" : String.join(", ", s.columns().keySet())),
                            "correct key: to the column the table is sharded by, or add column " + table.key()
                                    + " to the table on every shard");
                    continue;
                }
                Optional<KeyType> type = KeyType.ofSqlType(sqlType);
                if (type.isEmpty()) {
                    problem(table, "key column '" + table.key() + "' of table " + table.name() + " is " + sqlType
                                    + " on shard " + s.shard() + ", a type routing cannot shard by",
                            "shard by a column of type smallint, integer, bigint, text, varchar, uuid, date, timestamp "
                                    + "or timestamptz");
                    continue;
                }
                typesOn.computeIfAbsent(type.get(), k -> new ArrayList<>()).add(sqlType + " on " + s.shard());
            }
            if (typesOn.size() > 1) {
                problem(table, "key column '" + table.key() + "' of table " + table.name()
                                + " has different types on the shards: " + typesOn.values().stream()
                                .flatMap(List::stream).collect(Collectors.joining(", ")),
                        "give the column the same type on every shard");
            }
            if (problems.size() > before || typesOn.isEmpty()) {
                return table;
            }
            KeyType learned = typesOn.keySet().iterator().next();
            String column = "key column '" + table.key() + "' of table " + table.name() + " is "
                    + typesOn.get(learned).getFirst();
            if (table.keyType() != null && table.keyType() != learned) {
                problem(table, "type: " + table.keyType().configName() + " is declared, but " + column
                                + " (" + learned.configName() + ")",
                        "write type: " + learned.configName() + ", or remove type: to learn it from the catalog");
                return table;
            }
            checkValues(table, learned, column);
            return problems.size() > before ? table : table.withKeyType(learned);
        }

        /** The file's bounds and list values were read before the column's type was known: check them in it. */
        private void checkValues(TableConfig.Sharded table, KeyType type, String column) {
            String fix = "write them as " + type.configName() + " values, like " + type.example();
            switch (table.function()) {
                case ShardFunction.Hash h -> {
                    if (!type.hashable()) {
                        problem(table, "hash sharding does not support its key type: " + column,
                                "use function: range or list for a " + type.configName()
                                        + " key, or hash a key of type integer, text or uuid");
                    }
                }
                case ShardFunction.Range r -> {
                    List<String> bounds = new ArrayList<>();
                    for (ShardFunction.RangeBound b : r.ranges()) {
                        Optional.ofNullable(b.from()).ifPresent(bounds::add);
                        Optional.ofNullable(b.to()).ifPresent(bounds::add);
                    }
                    for (String bound : bounds) {
                        type.whyNot(bound).ifPresent(why ->
                                problem(table, "range bound " + why + ", and " + column, fix));
                    }
                    if (bounds.stream().allMatch(type::accepts)) {
                        for (int i = 1; i < bounds.size(); i++) {
                            if (type.compare(bounds.get(i - 1), bounds.get(i)) >= 0) {
                                problem(table, "range bound '" + bounds.get(i) + "' is not above '" + bounds.get(i - 1)
                                                + "' as " + type.configName() + " values, and " + column,
                                        "list the ranges in increasing order of " + type.configName() + " values");
                            }
                        }
                    }
                }
                case ShardFunction.Directory d -> {
                    if (d.unknown() instanceof DirectoryDefault.Hashed && !type.hashable()) {
                        problem(table, "unknown: hash cannot hash its key type: " + column,
                                "use unknown: refuse or unknown: { shard: NAME } for a " + type.configName() + " key");
                    }
                }
                case ShardFunction.ListOf l -> {
                    Set<String> seen = new LinkedHashSet<>();
                    for (String value : l.shardOfValue().keySet()) {
                        Optional<String> why = type.whyNot(value);
                        if (why.isPresent()) {
                            problem(table, "list value " + why.get() + ", and " + column, fix);
                        } else if (seen.stream().anyMatch(v -> type.compare(v, value) == 0)) {
                            problem(table, "list value '" + value + "' is listed twice as a " + type.configName()
                                    + " value, and " + column, "keep one of them");
                        } else {
                            seen.add(value);
                        }
                    }
                }
            }
        }

        private String path(TableConfig table) {
            return SourceLines.tablePath(db.name(), table.name());
        }

        /** {@code file:line: databases.shop.tables.orders}, as a problem would name it. */
        private String where(TableConfig table) {
            int line = config.sourceLines().lineOf(path(table));
            return config.source() + (line > 0 ? ":" + line : "") + ": " + path(table);
        }

        private void problem(TableConfig table, String what, String fix) {
            problems.add(new ConfigProblem(config.source(), config.sourceLines().lineOf(path(table)),
                    path(table) + ": " + what, fix));
        }
    }
}
