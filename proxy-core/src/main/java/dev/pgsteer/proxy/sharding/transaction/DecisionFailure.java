package dev.pgsteer.proxy.sharding.transaction;

/**
 * Why a decision did not become durable, which says what the commit must do with the transaction it
 * prepared on every shard.
 */
public abstract sealed class DecisionFailure extends RuntimeException permits DecisionFailure.Refused, DecisionFailure.Unknown {

    DecisionFailure(String message) {
        super(message, null, false, false);
    }

    /** Nothing was recorded, and nothing can be any more: the transaction rolls back on every shard. */
    public static final class Refused extends DecisionFailure {
        public Refused(String message) {
            super(message);
        }
    }

    /**
     * Whether the decision was recorded is not known (the store failed, and could not be asked): the
     * prepared transactions must stay as they are until the outcome is settled, by this instance later
     * or by the one that takes its transactions over.
     */
    public static final class Unknown extends DecisionFailure {
        public Unknown(String message) {
            super(message);
        }
    }
}
