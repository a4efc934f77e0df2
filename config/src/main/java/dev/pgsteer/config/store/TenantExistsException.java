package dev.pgsteer.config.store;

/** A tenant of that id is already in the directory. */
public final class TenantExistsException extends RuntimeException {
    public TenantExistsException(String id) {
        super("tenant " + id + " already exists");
    }
}
