package dev.pgsteer.router.plan;

/**
 * How the rows of a SELECT that ran on several shards are put together. This version concatenates
 * them: statements that need more (ORDER BY, LIMIT, aggregates, DISTINCT) are refused before they run.
 */
public record SelectMerge() {
    public static final SelectMerge CONCATENATE = new SelectMerge();
}
