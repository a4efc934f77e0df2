package dev.pgsteer.proxy.sharding.map;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.TouchedBuckets;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.function.LongSupplier;

/**
 * The shard map a session's transaction routes by. A transaction takes the map its first statement
 * was routed with; each later statement is routed by the map in force then, which places every key
 * the transaction may reach where its own map did, unless a bucket moved meanwhile. So while the map
 * is the transaction's own (the same object: one comparison, the hot path) nothing is checked. When
 * it is not, the buckets that moved are worked out once per newer map; if none did (a split, a key
 * type learned, a reload that left the maps alone) the transaction takes the newer map as its own;
 * else each statement's buckets are placed a second time, and one that reaches a moved bucket is
 * refused with 40001 naming it, a serialization failure the client retries. Statements that reach
 * no data (transaction control, settings, FETCH of an open cursor) pass.
 *
 * <pre>
 *   no transaction ──first statement in one──► PINNED(map) ──map in force is another──► compare
 *        ▲                                        ▲  nothing moved: PINNED(newer)          │
 *        └──── the transaction ends (a new number) └──────────────────────────────────────┘
 *                                        something moved: each statement checked, 40001 if it reaches it
 * </pre>
 *
 * One per session, used on its event loop only.
 */
public final class TransactionMap {

    private final LongSupplier mapVersion;
    private long transaction = -1;
    /** The map the transaction routes by: the database's configuration its first statement saw. */
    private DatabaseConfig pinned;
    /** The newer map {@link #moved} was worked out for. */
    private DatabaseConfig comparedWith;
    private MovedBuckets moved = MovedBuckets.NONE;
    private long pinnedVersion;

    /** {@code mapVersion}: the database's shard map version now, for the pin and the error's words. */
    public TransactionMap(LongSupplier mapVersion) {
        this.mapVersion = mapVersion;
    }

    /**
     * {@code command}, or a 40001 refusal when the statement reaches a bucket that moved since the
     * session's transaction started. {@code router}: the one the statement was routed with;
     * {@code plan}: its analysis when the caller has it (else the router's cache is asked).
     */
    public Command admit(Command command, ShardTransaction tx, Router router, LexedStatement statement,
                         KeySource.Placeholders values, Analysis plan) {
        if (tx.mode() == ShardTransaction.Mode.NONE) {
            return command;
        }
        DatabaseConfig now = router.shards().database();
        if (tx.number() != transaction) {
            transaction = tx.number();
            pinned = now;
            pinnedVersion = mapVersion.getAsLong();
            moved = MovedBuckets.NONE;
            comparedWith = now;
            return command;
        }
        if (now == pinned || !reachesData(command)) {
            return command;
        }
        if (now != comparedWith) {
            moved = MovedBuckets.between(pinned, now);
            comparedWith = now;
        }
        if (moved.isEmpty()) {
            pinned = now;
            pinnedVersion = mapVersion.getAsLong();
            return command;
        }
        TouchedBuckets touched;
        try {
            Analysis analysis = plan != null ? plan : router.shards().cached(statement);
            touched = analysis == null ? TouchedBuckets.EVERY : router.shards().touchedBuckets(analysis, statement, values);
        } catch (RoutingException e) {
            return command;   // the statement's own error, which the command carries or raises
        }
        String reached = moved.reached(touched);
        if (reached == null) {
            return command;
        }
        return new Command.Refused(SqlState.SERIALIZATION_FAILURE.code(), "could not serialize access: " + reached
                + " after this transaction started (shard map version " + pinnedVersion + ", now " + mapVersion.getAsLong()
                + "); retry the transaction");
    }

    /** Whether the command reads or writes rows of sharded tables on the shards. */
    private static boolean reachesData(Command command) {
        return switch (command) {
            case Command.Run r -> true;
            case Command.Coordinate c -> true;
            case Command.InsertSelect i -> true;
            case Command.WriteByKeys w -> true;
            case Command.CopyIntoShards c -> true;
            case Command.DeclareCursor d -> true;
            case Command.JoinedWrite j -> true;
            case Command.Explain e -> true;   // EXPLAIN ANALYZE runs the statement
            case Command.ExplainCoordinator e -> true;   // pulls the rows, and EXPLAIN ANALYZE runs the statement
            case Command.Begin b -> false;
            case Command.Commit c -> false;
            case Command.Rollback r -> false;
            case Command.Savepoint s -> false;
            case Command.TransactionSetting s -> false;
            case Command.SessionSetting s -> false;
            case Command.Discard d -> false;
            case Command.Listen l -> false;
            case Command.Deallocate d -> false;
            case Command.SqlPrepare p -> false;
            case Command.SqlExecute e -> false;   // what it runs is routed, and checked, as a statement of its own
            case Command.ExplainRoute e -> false;
            case Command.ExplainCoordinated e -> false;
            case Command.CopyIntoReference c -> false;
            case Command.OnCursor c -> false;   // the cursor's rows were placed when it was declared
            case Command.LearnColumns l -> false;
            case Command.Refused r -> false;
        };
    }
}
