package dev.pgsteer.router.merge;

/**
 * Why a SELECT cannot be merged across shards; its message names the construct. No stack trace: it
 * is an answer, not a fault. {@code catalogGap}: the reason is a name the catalog pgsteer read did
 * not have (a function, a table, a column made since), which reading it again may resolve.
 */
final class Refusal extends Exception {
    private final boolean catalogGap;

    Refusal(String reason) {
        this(reason, false);
    }

    Refusal(String reason, boolean catalogGap) {
        super(reason, null, false, false);
        this.catalogGap = catalogGap;
    }

    boolean catalogGap() {
        return catalogGap;
    }
}
