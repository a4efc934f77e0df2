package dev.pgsteer.config.store;

/** The metadata store could not be reached or refused a change; the message says which and why. */
public sealed class MetadataStoreException extends RuntimeException permits StoreUnreachableException {
    public MetadataStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
