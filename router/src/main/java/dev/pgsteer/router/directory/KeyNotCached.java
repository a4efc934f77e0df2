package dev.pgsteer.router.directory;

/**
 * Routing needs a key this instance has not cached ({@link KeyCache#shardOf}): the session looks it
 * up in the metadata store off the event loop, fills the cache and routes the statement again. Not a
 * refusal: it must pass every catch of routing errors untouched, so it is neither a
 * {@code RoutingException} nor an {@link IllegalArgumentException}. No stack trace: it is control flow.
 */
public final class KeyNotCached extends RuntimeException {

    private final transient KeyCache cache;
    private final String key;

    public KeyNotCached(KeyCache cache, String key) {
        super("key " + key + " of directory group " + cache.group() + " is not cached", null, false, false);
        this.cache = cache;
        this.key = key;
    }

    public KeyCache cache() {
        return cache;
    }

    public String key() {
        return key;
    }
}
