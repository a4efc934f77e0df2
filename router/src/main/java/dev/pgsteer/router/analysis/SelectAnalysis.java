package dev.pgsteer.router.analysis;

import dev.pgsteer.router.merge.RowSources;
import dev.pgsteer.router.merge.SelectMergePlanner;
import dev.pgsteer.router.merge.SubqueryCheck;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;

/**
 * A SELECT: where its key conditions send it and, for a shape that may run on several shards, how
 * their rows merge or why they cannot (planned once per shape, with the analysis).
 */
final class SelectAnalysis {
    private SelectAnalysis() {
    }

    static Analysis of(Select select, ShardMap shardMap) {
        KeyScopes scopes = new KeyScopes(shardMap);
        scopes.select(select, null);
        Placement placement = scopes.placement(false);
        if (!(placement instanceof Placement.ByKey)) {
            return new Analysis(StatementKind.READ, placement, null, null);
        }
        // What follows matters only when the keys resolve to several shards; it is planned once per shape.
        String refusal = SubqueryCheck.refusal(select, shardMap::isShardedName, shardMap.functions());
        if (refusal == null) {
            refusal = RowSources.refusal(select, shardMap::isShardedName);
        }
        if (refusal != null) {
            return new Analysis(StatementKind.READ, placement, null, refusal);
        }
        if (!(select instanceof PlainSelect plain)) {
            return new Analysis(StatementKind.READ, placement, null, "a UNION, INTERSECT or EXCEPT over several shards");
        }
        SelectMergePlanner.Outcome outcome = SelectMergePlanner.plan(plain, shardMap.collations(), shardMap.functions());
        if (outcome.catalogGap()) {
            // Coordinated now (exact); the catalog read again may let the next plans merge it.
            shardMap.catalogGap().run();
        }
        return new Analysis(StatementKind.READ, placement, outcome.plan(), outcome.refusal());
    }
}
