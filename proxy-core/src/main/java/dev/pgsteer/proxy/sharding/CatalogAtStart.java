package dev.pgsteer.proxy.sharding;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.BackendJdbc;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.Functions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the merge planner learns from a sharded database's default shard before the first statement
 * (at start, or when a reload adds the database): how its values compare ({@link CollationCatalog})
 * and which of its functions are aggregates of its own and which are ordinary ({@link FunctionCatalog}). Control plane:
 * one JDBC connection, off the event loops. Where it cannot be read (the shard is down), the planner
 * starts from what it assumed before it read catalogs, and the warnings say so once; the next DDL
 * through pgsteer reads them again ({@link KeyTypeLearner}).
 */
public final class CatalogAtStart {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** What was read; {@link Collations#UNKNOWN} and {@link Functions#BUILTIN} for what could not be. */
    public record Learned(Collations collations, Functions functions) {
    }

    private CatalogAtStart() {
    }

    /** Reads the catalog of {@code database}'s default shard now, adding a warning for each part it cannot read. */
    public static Learned read(ProxyConfig proxy, DatabaseConfig database, List<String> warnings) {
        String shard = database.defaultShard();
        BackendConfig backend = proxy.backends().get(shard);
        try (Connection connection = BackendJdbc.connect(backend, proxy.shardDatabaseName(database, shard), TIMEOUT,
                "pgsteer catalog check")) {
            return new Learned(collations(connection, database, shard, warnings), functions(connection, database, shard,
                    warnings));
        } catch (SQLException | RuntimeException e) {
            collationsUnknown(database, shard, e, warnings);
            functionsUnknown(database, shard, e, warnings);
            return new Learned(Collations.UNKNOWN, Functions.BUILTIN);
        }
    }

    private static Collations collations(Connection connection, DatabaseConfig database, String shard, List<String> warnings) {
        try {
            return CollationCatalog.of(rows(connection, CatalogQueries.collations(CollationCatalog.tables(database)), 4));
        } catch (SQLException | RuntimeException e) {
            collationsUnknown(database, shard, e, warnings);
            return Collations.UNKNOWN;
        }
    }

    private static Functions functions(Connection connection, DatabaseConfig database, String shard,
                                                 List<String> warnings) {
        try {
            return FunctionCatalog.of(rows(connection, CatalogQueries.functions(), 4));
        } catch (SQLException | RuntimeException e) {
            functionsUnknown(database, shard, e, warnings);
            return Functions.BUILTIN;
        }
    }

    private static List<List<String>> rows(Connection connection, String sql, int columns) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            List<List<String>> rows = new ArrayList<>();
            while (rs.next()) {
                List<String> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    private static void collationsUnknown(DatabaseConfig database, String shard, Exception e, List<String> warnings) {
        warnings.add("cannot read the collations of database " + database.name() + " on its default shard " + shard
                + " (" + e.getMessage() + "); until they are read (after the next DDL through pgsteer), text is"
                + " ordered on several shards by the coordinator step only");
    }

    private static void functionsUnknown(DatabaseConfig database, String shard, Exception e, List<String> warnings) {
        warnings.add("cannot read the functions of database " + database.name() + " on its default shard " + shard
                + " (" + e.getMessage() + "); until they are read (after the next DDL through pgsteer), a SELECT over"
                + " several shards that calls a function not in pg_catalog is answered by the coordinator step");
    }
}
