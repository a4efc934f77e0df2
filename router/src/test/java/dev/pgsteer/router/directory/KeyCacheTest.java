package dev.pgsteer.router.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A directory group's cache: complete or partial, bounded, and never filled with what a change made stale. */
class KeyCacheTest {

    @Test
    void aPartialCacheKnowsAssignedAndUnassignedKeysItWasTold() {
        KeyCache cache = new KeyCache("shop", "tenants", 10);
        assertThrows(KeyNotCached.class, () -> cache.shardOf("acme"));

        cache.fill("acme", "s1", cache.epoch());
        cache.fill("zeta", null, cache.epoch());

        assertEquals("s1", cache.shardOf("acme"));
        assertNull(cache.shardOf("zeta"), "known not to be assigned: the table's default applies");
        assertThrows(KeyNotCached.class, () -> cache.shardOf("globex"));
    }

    @Test
    void aLookupThatAChangeOvertookIsNotCached() {
        KeyCache cache = new KeyCache("shop", "tenants", 10);
        long before = cache.epoch();
        cache.changed("acme", "s2");   // committed after the lookup read s1
        cache.fill("acme", "s1", before);

        assertEquals("s2", cache.shardOf("acme"));
    }

    @Test
    void aGroupLoadedWholeIsCompleteUntilItOutgrowsTheCache() {
        KeyCache cache = new KeyCache("shop", "tenants", 2);
        assertTrue(cache.fillAll(Map.of("acme", "s1"), cache.epoch()));

        assertNull(cache.shardOf("globex"), "complete: a key it lacks is not assigned");
        cache.changed("globex", "s0");
        assertEquals("s0", cache.shardOf("globex"));
        cache.changed("acme", null);
        assertNull(cache.shardOf("acme"));
        cache.changed("initech", "s2");
        cache.changed("hooli", "s1");

        assertFalse(cache.complete(), "three keys in a cache of two");
        assertEquals("s1", cache.shardOf("hooli"));
        assertTrue(cache.size() <= 2);
    }

    @Test
    void aGroupLargerThanTheCacheIsNotLoadedWhole() {
        KeyCache cache = new KeyCache("shop", "tenants", 1);
        assertFalse(cache.fillAll(Map.of("acme", "s1", "globex", "s2"), cache.epoch()));
        assertThrows(KeyNotCached.class, () -> cache.shardOf("acme"));
    }

    @Test
    void aPartialCacheStaysWithinItsCapacity() {
        KeyCache cache = new KeyCache("shop", "tenants", 100);
        for (int i = 0; i < 1000; i++) {
            cache.fill("k" + i, "s0", cache.epoch());
        }
        assertTrue(cache.size() <= 100, "size " + cache.size());
    }
}
