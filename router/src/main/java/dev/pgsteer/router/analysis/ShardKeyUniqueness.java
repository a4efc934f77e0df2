package dev.pgsteer.router.analysis;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.analysis.UniqueConstraints.Constraint;
import dev.pgsteer.router.analysis.UniqueConstraints.Target;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.Optional;

/**
 * UNIQUE, PRIMARY KEY, EXCLUDE and unique indexes on a sharded table. DDL runs on every shard, and
 * each shard enforces such a constraint only among its own rows: one that does not include the
 * shard key would let rows with one "unique" value be committed on several shards. pgsteer refuses
 * it (0A000, as Citus does) rather than accept a constraint it cannot keep. One that includes the
 * key is exact: rows equal on it have one key, so they are on one shard. Reference and unsharded
 * tables are whole on each shard that has them, so their constraints are exact too.
 */
public final class ShardKeyUniqueness {
    private ShardKeyUniqueness() {
    }

    /** The refusal of a CREATE or ALTER that asks a sharded table for uniqueness without its key; empty for anything else. */
    public static Optional<Analysis> refusal(LexedStatement statement, DatabaseConfig database) {
        String first = statement.firstKeyword();
        if (!first.equals("CREATE") && !first.equals("ALTER")) {
            return Optional.empty();
        }
        Optional<Target> target = UniqueConstraints.of(statement.shape());
        if (target.isEmpty() || !(database.table(target.get().table()).orElse(null) instanceof TableConfig.Sharded sharded)) {
            return Optional.empty();
        }
        for (Constraint constraint : target.get().constraints()) {
            if (!constraint.columns().contains(sharded.key())) {
                // DDL still: a routing comment sends it to the one shard it names, as any DDL.
                return Optional.of(new Analysis(StatementKind.DDL,
                        new Placement.Refused(StatementAnalyzer.FEATURE_NOT_SUPPORTED, message(constraint, sharded)), null, null));
            }
        }
        return Optional.empty();
    }

    private static String message(Constraint constraint, TableConfig.Sharded table) {
        return "cannot create " + constraint.form().what + " on sharded table " + table.name()
                + " that does not include its shard key " + table.key() + constraint.form().how
                + ": each shard enforces it only among its own rows, so rows with one value could be committed on several shards; include "
                + table.key() + " in it, or make " + table.name() + " a reference table";
    }
}
