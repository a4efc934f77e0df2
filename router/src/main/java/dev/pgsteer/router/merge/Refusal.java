package dev.pgsteer.router.merge;

/** Why a SELECT cannot be merged across shards; its message names the construct. No stack trace: it is an answer, not a fault. */
final class Refusal extends Exception {
    Refusal(String reason) {
        super(reason, null, false, false);
    }
}
