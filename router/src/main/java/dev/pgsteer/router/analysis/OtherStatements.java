package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.analysis.StatementAnalyzer.FEATURE_NOT_SUPPORTED;
import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import java.util.Set;
import net.sf.jsqlparser.statement.CreateFunctionalStatement;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.AlterSession;
import net.sf.jsqlparser.statement.alter.AlterSystemStatement;
import net.sf.jsqlparser.statement.alter.sequence.AlterSequence;
import net.sf.jsqlparser.statement.comment.Comment;
import net.sf.jsqlparser.statement.create.schema.CreateSchema;
import net.sf.jsqlparser.statement.create.sequence.CreateSequence;
import net.sf.jsqlparser.statement.create.synonym.CreateSynonym;
import net.sf.jsqlparser.statement.create.view.AlterView;
import net.sf.jsqlparser.statement.create.view.CreateView;
import net.sf.jsqlparser.statement.grant.Grant;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Statements of no kind above. The other CREATEs, ALTERs, GRANT and COMMENT run on every shard (the
 * reason names the JSQLParser statement, as {@code ALTERVIEW}); anything else runs on the default
 * shard unless it names a table of the shard map, which pgsteer then refuses rather than guess.
 */
final class OtherStatements {
    private OtherStatements() {
    }

    static Analysis of(Statement statement, ShardMap shardMap) {
        return switch (statement) {
            case CreateFunctionalStatement ignored -> DdlAnalysis.everywhere("CREATE");
            case CreateSchema ignored -> DdlAnalysis.everywhere("CREATE");
            case CreateSequence ignored -> DdlAnalysis.everywhere("CREATE");
            case CreateSynonym ignored -> DdlAnalysis.everywhere("CREATE");
            case CreateView ignored -> DdlAnalysis.everywhere("CREATE");
            case AlterView ignored -> DdlAnalysis.everywhere("ALTERVIEW");
            case AlterSequence ignored -> DdlAnalysis.everywhere("ALTERSEQUENCE");
            case AlterSession ignored -> DdlAnalysis.everywhere("ALTERSESSION");
            case AlterSystemStatement ignored -> DdlAnalysis.everywhere("ALTERSYSTEMSTATEMENT");
            case Grant ignored -> DdlAnalysis.everywhere("GRANT");
            case Comment ignored -> DdlAnalysis.everywhere("COMMENT");
            default -> unknown(statement, shardMap);
        };
    }

    private static Analysis unknown(Statement statement, ShardMap shardMap) {
        for (String n : tableNames(statement)) {
            if (shardMap.configures(n)) {
                return Analysis.refused(FEATURE_NOT_SUPPORTED, "pgsteer cannot route this kind of statement ("
                        + statement.getClass().getSimpleName() + ") on sharded table " + identifier(n));
            }
        }
        return new Analysis(StatementKind.READ, new Placement.DefaultShard("no sharded table"), null, null);
    }

    private static Set<String> tableNames(Statement statement) {
        try {
            return new TablesNamesFinder<Void>().getTables(statement);
        } catch (UnsupportedOperationException e) {
            return Set.of();
        }
    }
}
