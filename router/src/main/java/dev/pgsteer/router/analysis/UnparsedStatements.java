package dev.pgsteer.router.analysis;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.List;
import java.util.Locale;

/**
 * A statement JSQLParser cannot read, placed by the words of its text: the default shard, unless it
 * names a table of the shard map (DDL then runs everywhere, anything else is refused rather than
 * guessed), or creates, alters or drops a schema object every shard needs.
 */
public final class UnparsedStatements {
    private UnparsedStatements() {
    }

    public static Analysis analysis(LexedStatement statement, DatabaseConfig database) {
        String lower = " " + statement.shape().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_$]+", " ") + " ";
        String first = statement.firstKeyword();
        boolean ddl = List.of("CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE").contains(first);
        for (TableConfig table : database.tables().values()) {
            if (lower.contains(" " + table.name() + " ") && ddl) {
                return new Analysis(StatementKind.DDL, new Placement.AllShards("DDL naming " + table.name()
                        + " is applied to every shard", Answer.MIRROR), null, null);
            }
            if (lower.contains(" " + table.name() + " ")) {
                return Analysis.refused("0A000", "pgsteer cannot parse this statement, which names "
                        + (table instanceof TableConfig.Sharded ? "sharded" : "reference") + " table " + table.name()
                        + ", so it cannot tell where it must run; add a routing comment (/* shard=NAME */) to send it to one shard");
            }
        }
        if (ddl && lower.matches(" (create|alter|drop|comment on) (or replace )?(type|extension|function|procedure|schema|domain|collation|operator|aggregate|cast) .*")) {
            return new Analysis(StatementKind.DDL, new Placement.AllShards(first + " is applied to every shard", Answer.MIRROR), null, null);
        }
        return new Analysis(StatementKind.READ, new Placement.DefaultShard("not parsed; names no sharded table"), null, null);
    }
}
