package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.BucketBalance;
import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMapEdits;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.map.MapChangeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * REBALANCE and SPLIT SHARD as moves: {@link BucketBalance}'s plan for each hash group of a database,
 * and the drafts of its moves once its split (if any) is the map in force. Pure: the map and the
 * database's shards in, plans and drafts out; {@link Moves} applies the split and records the moves.
 */
final class MovePlans {

    /**
     * One group's plan: {@code table} names the group (its first table), {@code group} all of its
     * tables; {@code buckets} is the finest modulus of the map its moves are labelled in (the split's).
     */
    record GroupPlan(String table, List<String> group, int buckets, BucketBalance.Plan plan) {
    }

    /** What to plan: every group of a database evened out, or one shard's share halved onto another. */
    sealed interface Goal permits Rebalance, Split {
    }

    record Rebalance() implements Goal {
    }

    record Split(String source, String target) implements Goal {
    }

    private MovePlans() {
    }

    /** The hash groups of {@code database} (those of {@code table} only when it is named), each by its first table. */
    static Map<String, List<String>> groups(DatabaseConfig database, String table) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (TableConfig t : database.tables().values()) {
            if (t instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Hash) {
                List<String> group = BucketMapEdits.group(database, s);
                if (table == null || group.contains(table)) {
                    groups.putIfAbsent(group.getFirst(), group);
                }
            }
        }
        if (table != null && groups.isEmpty()) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "table " + table + " of database " + database.name()
                    + " is not hash-sharded: only hash-sharded tables have buckets to move", "SHOW BUCKETS lists them");
        }
        return groups;
    }

    /** The plan of one group, from the map in force; empty for a SPLIT SHARD of a group with no bucket on its source. */
    static GroupPlan plan(DatabaseConfig database, String table, List<String> group, Goal goal) {
        BucketMap map = database.bucketsOf((TableConfig.Sharded) database.tables().get(table));
        try {
            BucketBalance.Plan plan = switch (goal) {
                case Rebalance r -> BucketBalance.rebalance(map, database.shards());
                case Split s -> map.shards().contains(s.source())
                        ? BucketBalance.split(map, database.shards(), s.source(), s.target())
                        : new BucketBalance.Plan(0, List.of());
            };
            return new GroupPlan(table, group, plan.splitInto() > 0 ? plan.splitInto() : map.buckets(), plan);
        } catch (IllegalArgumentException e) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, e.getMessage(), "SHOW SHARDS and SHOW BUCKETS show them");
        }
    }

    /** The drafts of {@code plan}'s moves, their buckets read from {@code database}'s map in force (split already). */
    static List<MoveRecord> drafts(DatabaseConfig database, GroupPlan plan) {
        BucketMap map = database.bucketsOf((TableConfig.Sharded) database.tables().get(plan.table()));
        List<String> keys = plan.group().stream().map(t -> ((TableConfig.Sharded) database.tables().get(t)).key()).toList();
        List<MoveRecord> drafts = new ArrayList<>();
        for (BucketBalance.Move move : plan.plan().moves()) {
            BucketMap.Bucket bucket;
            try {
                // A label means a bucket only in the map it was made in: "1" of 4 buckets is not "1" of 2.
                bucket = map.buckets() == plan.buckets() ? BucketMapEdits.bucket(map, move.bucket()) : null;
            } catch (IllegalArgumentException e) {
                bucket = null;
            }
            if (bucket == null || !bucket.shard().equals(move.from())) {
                // The map changed between the plan and now (another instance's edit): the plan is not this map's.
                throw new MapChangeException(SqlState.SERIALIZATION_FAILURE, "the bucket map of table " + plan.table()
                        + " changed while the plan was made", "run the command again");
            }
            drafts.add(MoveRecord.draft(database.name(), plan.group(), keys, null, bucket.modulus(), bucket.remainder(),
                    move.from(), move.to()));
        }
        return drafts;
    }
}
