package dev.pgsteer.router.analysis;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.KeyCondition;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A statement JSQLParser cannot read, placed by the words of its text: the default shard, unless it
 * names a table of the shard map (DDL then runs everywhere, a read of sharded tables goes to the
 * coordinator step, anything else is refused rather than guessed), or creates, alters or drops a
 * schema object every shard needs.
 */
public final class UnparsedStatements {
    /**
     * Why a read that JSQLParser cannot parse is not answered from the shards' rows: the coordinator
     * step runs it unchanged over every sharded table its words name, pulled whole.
     */
    public static final String UNPARSED_READ = "a statement JSQLParser cannot parse (pgsteer cannot tell where its rows are"
            + " nor merge them)";
    /** Words that make a statement more than a read (FOR UPDATE, SELECT INTO, a data-modifying WITH). */
    private static final List<String> NOT_A_READ = List.of(" insert ", " update ", " delete ", " merge ", " into ", " for ");

    private UnparsedStatements() {
    }

    public static Analysis analysis(LexedStatement statement, DatabaseConfig database) {
        String lower = " " + statement.shape().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_$]+", " ") + " ";
        String first = statement.firstKeyword();
        boolean ddl = List.of("CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE").contains(first);
        Analysis read = read(statement, database, lower, first);
        if (read != null) {
            return read;
        }
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

    /**
     * A SELECT (or a WITH of SELECTs) that names sharded tables: every shard, through the coordinator
     * step, which pulls every sharded table the words name (one named by its schema or with escapes
     * that hide its name is not read as such: refused); one that names reference tables only: the
     * default shard. Null for anything else.
     */
    private static Analysis read(LexedStatement statement, DatabaseConfig database, String lower, String first) {
        if (!(first.equals("SELECT") || first.equals("WITH")) || NOT_A_READ.stream().anyMatch(lower::contains)
                || statement.shape().toLowerCase(Locale.ROOT).contains("u&")) {
            return null;
        }
        List<Placement.Member> sharded = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (TableConfig table : database.tables().values()) {
            if (lower.contains(" " + table.name() + " ")) {
                if (table instanceof TableConfig.Sharded s) {
                    sharded.add(new Placement.Member(s, KeyCondition.ANY));
                } else {
                    others.add(table.name());
                }
            }
        }
        if (sharded.isEmpty()) {
            // The default shard holds every reference table and every unsharded one.
            return others.isEmpty() ? null : new Analysis(StatementKind.READ,
                    new Placement.DefaultShard("not parsed; reads no sharded table"), null, null);
        }
        return new Analysis(StatementKind.READ, new Placement.ByKey(List.of(new Placement.KeyGroup(sharded)), null, false, others),
                null, UNPARSED_READ);
    }
}
