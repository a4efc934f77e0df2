package dev.pgsteer.config.store;

/**
 * A node tried to record a decision, or to renew its lease, after another instance ended its lease:
 * it may never record a decision under that node id again.
 */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(String node) {
        super("the lease of pgsteer node " + node + " in the metadata store was ended by another instance "
                + "(no heartbeat within its lease)", null, false, false);
    }
}
