package dev.pgsteer.router.plan;

/**
 * Everything pgsteer decides about a statement from its shape: what it does, where it goes, and
 * how several shards' answers combine. Cached per shape, so it never holds a key value.
 * {@code merge} is how a SELECT's rows from several shards are merged (null: concatenated);
 * {@code multiShardRefusal} is the reason a statement that resolves to several shards must be
 * refused (a window function, say), or null; {@code pulls} is how narrow the coordinator step may
 * pull each sharded table of a SELECT placed by key (null: pull every table whole).
 */
public record Analysis(StatementKind kind, Placement placement, MergePlan merge, String multiShardRefusal, PullPlan pulls) {

    public Analysis(StatementKind kind, Placement placement, MergePlan merge, String multiShardRefusal) {
        this(kind, placement, merge, multiShardRefusal, null);
    }

    public static Analysis refused(String sqlState, String message) {
        return new Analysis(StatementKind.READ, new Placement.Refused(sqlState, message), null, null);
    }

    public Analysis withPulls(PullPlan plan) {
        return new Analysis(kind, placement, merge, multiShardRefusal, plan);
    }
}
