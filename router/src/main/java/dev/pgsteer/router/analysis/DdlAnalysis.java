package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.name;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import java.util.List;
import java.util.Optional;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.drop.Drop;

/**
 * DDL: on a table of the shard map, every shard runs it and the default shard's answer is the
 * client's ({@link Answer#MIRROR}); on an unsharded table, the default shard alone. Schemas, types,
 * functions and extensions go everywhere: every shard needs them for the sharded tables.
 */
final class DdlAnalysis {
    private DdlAnalysis() {
    }

    /** CREATE TABLE, ALTER TABLE, DROP TABLE, CREATE INDEX, TRUNCATE: decided by the first configured table. */
    static Analysis onTables(List<Table> tables, ShardMap shardMap) {
        for (Table table : tables) {
            Optional<TableConfig> config = table == null ? Optional.empty() : shardMap.tableOf(table);
            if (config.isPresent()) {
                return new Analysis(StatementKind.DDL, new Placement.AllShards("DDL on " + config.get().name(), Answer.MIRROR), null, null);
            }
        }
        String name = tables.isEmpty() || tables.get(0) == null ? "it" : name(tables.get(0));
        return new Analysis(StatementKind.DDL, new Placement.DefaultShard("DDL on unsharded table " + name), null, null);
    }

    /** DROP INDEX: pgsteer cannot tell the index's table, so every shard that has it drops it. */
    static Analysis dropIndex(Drop drop) {
        return new Analysis(StatementKind.DDL,
                new Placement.AllShards("DROP INDEX: on every shard that has it", Answer.MIRROR, !drop.isIfExists()), null, null);
    }

    /** Schemas, types, functions, extensions: every shard needs them for the sharded tables. */
    static Analysis everywhere(String what) {
        return new Analysis(StatementKind.DDL, new Placement.AllShards(what + " is applied to every shard", Answer.MIRROR), null, null);
    }
}
