package dev.pgsteer.router.plan;

/** How the answers of the shards a statement runs on become the one answer the client sees. */
public enum Answer {
    /** One shard: its answer, relayed untouched. */
    ONE,
    /** Several shards: one RowDescription, the rows of all (merged when a {@link SelectMerge} says how), counts summed. */
    COMBINE,
    /** Several shards running the same change (DDL, writes to reference tables): the first shard's answer; the others must agree. */
    MIRROR
}
