package dev.pgsteer.router.plan;

import java.util.List;

/**
 * What a statement's WHERE clause says about one table's shard key, as a tree: the values it may
 * equal, combined with AND (both hold, so the shards intersect) and OR (either holds, so they unite).
 * {@link Any} is a condition that does not restrict the key at all.
 */
public sealed interface KeyCondition {

    Any ANY = new Any();

    record Any() implements KeyCondition {
    }

    /** {@code key = v} or {@code key IN (v1, v2, ...)}. */
    record Values(List<ValueRef> values) implements KeyCondition {
        public Values {
            values = List.copyOf(values);
        }
    }

    /** {@code key = ANY(array)}, where the array is one value. */
    record ArrayOf(ValueRef array) implements KeyCondition {
    }

    record And(KeyCondition left, KeyCondition right) implements KeyCondition {
    }

    record Or(KeyCondition left, KeyCondition right) implements KeyCondition {
    }

    static KeyCondition and(KeyCondition a, KeyCondition b) {
        if (a instanceof Any) {
            return b;
        }
        if (b instanceof Any) {
            return a;
        }
        return new And(a, b);
    }

    static KeyCondition or(KeyCondition a, KeyCondition b) {
        if (a instanceof Any || b instanceof Any) {
            return ANY;
        }
        return new Or(a, b);
    }
}
