package dev.pgsteer.router.resolve;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.ArrayValues;
import dev.pgsteer.router.plan.KeyCondition;
import dev.pgsteer.router.plan.KeyPlacer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.ValueRef;
import java.util.BitSet;

/**
 * The shards a table's key condition allows once this execution's values are known, as a set of
 * shard positions; null when the condition does not restrict the key (every shard). Given a placer
 * that answers bucket positions instead ({@code KeyPlacer.bucketIndex}), the same walk gives the
 * buckets the condition allows, for EXPLAIN ROUTE.
 */
public record KeyShards(KeyPlacer placer) {

    public BitSet of(TableConfig.Sharded table, KeyCondition condition, KeySource.Placeholders values) throws RoutingException {
        return switch (condition) {
            case KeyCondition.Any any -> null;
            case KeyCondition.Values v -> {
                BitSet set = new BitSet();
                for (ValueRef ref : v.values()) {
                    KeySource source = source(ref, values);
                    if (source != null) {
                        set.set(placer.shardIndex(table, source));
                    }
                }
                yield set;
            }
            case KeyCondition.ArrayOf array -> {
                KeySource source = source(array.array(), values);
                BitSet set = new BitSet();
                if (source != null) {
                    for (KeySource element : ArrayValues.elements(source)) {
                        if (element != null) {
                            set.set(placer.shardIndex(table, element));
                        }
                    }
                }
                yield set;
            }
            case KeyCondition.And and -> intersect(of(table, and.left(), values), of(table, and.right(), values));
            case KeyCondition.Or or -> {
                BitSet left = of(table, or.left(), values);
                BitSet right = of(table, or.right(), values);
                if (left == null || right == null) {
                    yield null;
                }
                left.or(right);
                yield left;
            }
        };
    }

    /** The shards both allow; null (no restriction) is the identity. */
    public static BitSet intersect(BitSet a, BitSet b) {
        if (a == null) {
            return b == null ? null : (BitSet) b.clone();
        }
        if (b == null) {
            return a;
        }
        BitSet both = (BitSet) a.clone();
        both.and(b);
        return both;
    }

    /** The value a reference stands for in this execution; null for SQL NULL. */
    public static KeySource source(ValueRef ref, KeySource.Placeholders values) {
        return switch (ref) {
            case ValueRef.Placeholder p -> values.value(p.number());
            case ValueRef.Constant c -> KeySource.text(c.text());
            case ValueRef.Null n -> null;
        };
    }
}
