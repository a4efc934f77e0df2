package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;
import static dev.pgsteer.router.syntax.Identifiers.isCatalog;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.Functions;
import java.util.Optional;
import net.sf.jsqlparser.schema.Table;

/**
 * The database's shard map as the analysis asks it: which configured table a table of the tree is;
 * how its values compare ({@code collations}) and which functions of its own are aggregates
 * ({@code functions}), both from the catalog, for the merge planner; {@code catalogGap} is told when a
 * plan meets a name that catalog did not have.
 */
record ShardMap(DatabaseConfig database, Collations collations, Functions functions, Runnable catalogGap) {

    /** The table's configuration; empty for an unsharded table, a catalog table or no table at all. */
    Optional<TableConfig> tableOf(Table table) {
        if (table == null || table.getName() == null || isCatalog(table)) {
            return Optional.empty();
        }
        return database.table(identifier(table.getName()));
    }

    /** Whether {@code name} (as TablesNamesFinder gives it, perhaps schema-qualified) is a sharded table. */
    boolean isShardedName(String name) {
        String table = name.substring(name.lastIndexOf('.') + 1);
        return database.table(identifier(table)).orElse(null) instanceof TableConfig.Sharded;
    }

    /** Whether a bare name (not folded yet) is a table of the shard map. */
    boolean configures(String name) {
        return database.table(identifier(name)).isPresent();
    }
}
