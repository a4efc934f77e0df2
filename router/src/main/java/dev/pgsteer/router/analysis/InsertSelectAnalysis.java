package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.analysis.StatementAnalyzer.FEATURE_NOT_SUPPORTED;
import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import java.util.List;
import net.sf.jsqlparser.statement.insert.Insert;

/**
 * INSERT ... SELECT into a sharded table (with its column list, the key among the columns): pgsteer
 * runs the SELECT as a COPY to itself and writes its rows by COPY, each to its key's shard
 * ({@link Placement.InsertSelect}). What COPY would not do as INSERT does is refused: RETURNING
 * (COPY returns no rows), ON CONFLICT (COPY has none), and a WITH clause before INSERT (the SELECT
 * alone would not see it).
 */
final class InsertSelectAnalysis {
    private InsertSelectAnalysis() {
    }

    static Analysis of(Insert insert, TableConfig.Sharded table) {
        String what = "INSERT ... SELECT into sharded table " + table.name();
        if (insert.getReturningClause() != null) {
            return Analysis.refused(FEATURE_NOT_SUPPORTED, what + " with RETURNING is not supported: pgsteer writes its rows by COPY,"
                    + " which returns none; run the SELECT, then INSERT ... VALUES ... RETURNING");
        }
        if (insert.getConflictAction() != null || insert.getConflictTarget() != null) {
            return Analysis.refused(FEATURE_NOT_SUPPORTED, what + " with ON CONFLICT is not supported: pgsteer writes its rows by COPY,"
                    + " which has no ON CONFLICT; run the SELECT, then INSERT ... VALUES ... ON CONFLICT");
        }
        if (insert.getWithItemsList() != null && !insert.getWithItemsList().isEmpty()) {
            return Analysis.refused(FEATURE_NOT_SUPPORTED, what + " after a WITH clause is not supported; put the WITH inside the SELECT");
        }
        List<String> columns = insert.getColumns().stream().map(c -> identifier(c.getColumnName())).toList();
        return new Analysis(StatementKind.WRITE, new Placement.InsertSelect(table, columns, insert.getSelect().toString()), null, null);
    }
}
