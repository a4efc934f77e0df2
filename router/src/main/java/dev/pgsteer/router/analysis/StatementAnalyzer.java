package dev.pgsteer.router.analysis;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.Functions;
import java.util.List;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.create.index.CreateIndex;
import net.sf.jsqlparser.statement.create.table.CreateTable;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.drop.Drop;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.truncate.Truncate;
import net.sf.jsqlparser.statement.update.Update;

/**
 * Reads a parsed statement against a database's shard map and decides its {@link Analysis}: which
 * tables it touches, what its WHERE clauses say about their shard keys, and which sharded tables are
 * joined on their keys (and so can be joined shard by shard). Pure: no values, no I/O. One class per
 * statement kind does the reading; this one only says which.
 */
public final class StatementAnalyzer {
    static final String FEATURE_NOT_SUPPORTED = "0A000";
    static final String UNDEFINED_KEY = "42P10";

    private final ShardMap shardMap;

    /** {@code catalogGap}: told, while planning, of a name the catalog read did not have ({@code ShardRouter.withCatalogGap}). */
    public StatementAnalyzer(DatabaseConfig database, Collations collations, Functions functions, Runnable catalogGap) {
        this.shardMap = new ShardMap(database, collations, functions, catalogGap);
    }

    /**
     * The statement's analysis; for a SELECT placed by key, with how the coordinator step may pull its
     * sharded tables ({@code text} is what was parsed: the shape when {@code fromShape}, else the statement's text).
     */
    public Analysis analyze(Statement statement, String text, boolean fromShape) {
        Analysis analysis = switch (statement) {
            // A joined write's clauses are cut from its shape, whose placeholders pgsteer fills: from the
            // text (a shape JSQLParser cannot read), a '$1' in a string would be taken for one.
            case Update update -> WriteAnalysis.update(update, fromShape ? text : null, shardMap);
            case Delete delete -> WriteAnalysis.delete(delete, fromShape ? text : null, shardMap);
            default -> analyze(statement);
        };
        return statement instanceof Select && analysis.placement() instanceof Placement.ByKey
                ? analysis.withPulls(PullPlanner.plan(statement, text, fromShape, shardMap)) : analysis;
    }

    public Analysis analyze(Statement statement) {
        return switch (statement) {
            case Select select -> SelectAnalysis.of(select, shardMap);
            case Insert insert -> InsertAnalysis.of(insert, shardMap);
            case Update update -> WriteAnalysis.update(update, null, shardMap);
            case Delete delete -> WriteAnalysis.delete(delete, null, shardMap);
            case CreateTable create -> DdlAnalysis.onTables(List.of(create.getTable()), shardMap);
            case Alter alter -> DdlAnalysis.onTables(List.of(alter.getTable()), shardMap);
            case Drop drop when "TABLE".equalsIgnoreCase(drop.getType()) -> DdlAnalysis.onTables(List.of(drop.getName()), shardMap);
            case Drop drop when "INDEX".equalsIgnoreCase(drop.getType()) -> DdlAnalysis.dropIndex(drop);
            case Drop drop -> DdlAnalysis.everywhere("DDL");
            case CreateIndex index -> DdlAnalysis.onTables(List.of(index.getTable()), shardMap);
            case Truncate truncate -> DdlAnalysis.onTables(
                    truncate.getTables() != null ? truncate.getTables() : List.of(truncate.getTable()), shardMap);
            default -> OtherStatements.of(statement, shardMap);
        };
    }
}
