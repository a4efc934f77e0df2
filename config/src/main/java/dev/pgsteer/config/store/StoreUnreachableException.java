package dev.pgsteer.config.store;

/**
 * No connection to the metadata store could be had: nothing of the call was sent, so nothing of it
 * happened (unlike a failure in the middle of a transaction, whose COMMIT may have been applied).
 */
public final class StoreUnreachableException extends MetadataStoreException {
    StoreUnreachableException(MetadataStoreException failure) {
        super(failure.getMessage(), failure.getCause());
    }
}
