package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.MoveHold;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.config.store.MovesState;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.StatementGuard;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.plan.TouchedBuckets;
import dev.pgsteer.router.sql.LexedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * What this instance does with a statement while a bucket of its database moves: asked on the event
 * loop for every statement of a database with an unfinished move (one map lookup otherwise).
 * <ul>
 * <li>A statement that reaches every bucket of a table of the moving group (no key: a scan, a keyless
 *     UPDATE or DELETE, DDL) is refused with 0A000 for the whole move: between the first copied row and
 *     the last deleted one, the bucket's rows are on two shards, and such a statement would read or
 *     change them twice. COPY FROM is not: it places each row by its key. Unless it does not reach the
 *     shard with the copy routing does not give the bucket (the target before the flip, the source after
 *     it): a scan goes only to the shards that hold the group's buckets, so while a bucket moves to a
 *     shard that holds none of them (a fresh one, from ADD SHARD) scans and keyless writes of the group go
 *     on, each row read once where routing has it (a keyless write waits for a hold as a keyed one does).</li>
 * <li>A write that reaches the bucket (by key, or COPY FROM into the group) while the move's cutover
 *     holds writes waits ({@link Check.Wait}), without blocking the loop, until the hold is released and
 *     this instance routes by the map the release names; then it is routed again (to the target after
 *     a flip). Reads and other buckets never wait.</li>
 * </ul>
 * Fed from the store's follower thread ({@link #update}) and by each map version applied ({@link #mapsApplied}).
 */
public final class MoveGuard implements StatementGuard {

    private static final Check GO = new Check.Go();

    /** An unfinished move as this instance sees it, with its cutover's hold. */
    private record Active(MoveRecord move, List<Pattern> names, Hold hold) {
    }

    /** A hold of one cutover attempt: writes wait on {@code released}; {@code version}: -1 while holding. */
    private static final class Hold {
        final CompletableFuture<Void> released = new CompletableFuture<>();
        /** When this instance learned of the hold: transactions begun before it are not held. */
        final long seenAt = System.nanoTime();
        volatile long version = -1;
        /** The move it holds for: a tenant or key move's hold lets go once this instance's directories have the flip. */
        volatile MoveRecord move;
    }

    private final LongSupplier mapVersion;
    private final Duration writeWait;
    private volatile java.util.function.LongConsumer waits = nanos -> { };
    private volatile Map<String, List<Active>> byDatabase = Map.of();
    /** Tenant moves by {@code database/tenant}: a tenant's sessions ask on every statement, so one lookup of an empty map mostly. */
    private volatile Map<String, Active> byTenant = Map.of();
    private final Map<String, Hold> holds = new HashMap<>();
    private volatile LocalPlacement placement = LocalPlacement.NONE;

    /** {@code mapVersion}: the shard map version this instance routes by now. */
    public MoveGuard(LongSupplier mapVersion, Duration writeWait) {
        this.mapVersion = mapVersion;
        this.writeWait = writeWait;
    }

    /** Where this instance's tenant and key directories are read, for the release of tenant and key moves' holds. */
    public void placement(LocalPlacement placement) {
        this.placement = placement;
    }

    /**
     * While a move of tenant {@code tenant} of {@code database} holds its writes: what the tenant's
     * sessions wait for before their next statement (null when nothing holds). A tenant's statements are
     * relayed unparsed, so all of them wait, reads too (see the README's "Move a tenant").
     */
    public CompletableFuture<Void> tenantHold(String database, String tenant) {
        Map<String, Active> tenants = byTenant;
        if (tenants.isEmpty()) {
            return null;
        }
        Active a = tenants.get(database + "/" + tenant);
        return a == null || a.hold() == null || a.hold().released.isDone() ? null : a.hold().released;
    }

    /** Whether a tenant moves now (its sessions then ask {@link #tenantHold} before each statement). */
    public boolean tenantsMoving() {
        return !byTenant.isEmpty();
    }

    /** How long a tenant's held statement waits at most: then it goes on, to the source, where the fence answers a write 40001. */
    public Duration writeWait() {
        return writeWait;
    }

    /** Where each held write's wait is recorded (the metrics). */
    void onWait(java.util.function.LongConsumer record) {
        this.waits = record;
    }

    /** A held write waited {@code nanos} (released or timed out). */
    @Override
    public void waited(long nanos) {
        waits.accept(nanos);
    }

    @Override
    public boolean active(String database) {
        return byDatabase.containsKey(database);
    }

    /** The moves this instance guards now; and for each, whether it holds writes: what it acknowledges. */
    public synchronized List<String> acknowledgements(long moveId) {
        List<String> acks = new ArrayList<>();
        for (List<Active> moves : byDatabase.values()) {
            for (Active a : moves) {
                if (a.move().id() == moveId) {
                    acks.add("guard");
                }
            }
        }
        holds.forEach((key, hold) -> {
            if (key.startsWith(moveId + "/")) {
                acks.add("hold " + key.substring(key.indexOf('/') + 1));
            }
        });
        for (List<Active> moves : byDatabase.values()) {
            for (Active a : moves) {
                MoveRecord m = a.move();
                if (m.id() == moveId && !m.bucket()) {
                    long version = m.flipVersion() != null ? m.flipVersion() : a.hold() != null ? a.hold().version : -1;
                    if (version > 0 && routesByFlip(m, version)) {
                        acks.add(PlacementFlip.ROUTES);
                    }
                }
            }
        }
        return acks;
    }

    /** The store's unfinished moves and holds, as the follower delivers them. */
    public synchronized void update(MovesState state) {
        Map<String, Hold> live = new HashMap<>();
        Map<Long, Hold> current = new HashMap<>();
        for (MoveHold h : state.holds()) {
            String key = h.moveId() + "/" + h.attempt();
            Hold hold = holds.computeIfAbsent(key, k -> new Hold());
            if (h.released()) {
                hold.version = h.version();
            } else {
                current.put(h.moveId(), hold);
            }
            live.put(key, hold);
        }
        holds.values().stream().filter(h -> !live.containsValue(h)).forEach(h -> {
            h.version = 0;   // its move finished: nothing holds any more
            h.released.complete(null);
        });
        holds.keySet().retainAll(live.keySet());
        Map<String, List<Active>> next = new HashMap<>();
        Map<String, Active> tenants = new HashMap<>();
        for (MoveRecord m : state.active()) {
            if (MovePhase.of(m.phase()).queued()) {
                continue;   // a queued move has no rows anywhere but its source yet: nothing to guard
            }
            List<Pattern> names = m.tables().stream()
                    .map(t -> Pattern.compile("(?i)(^|[^a-z0-9_$])\"?" + Pattern.quote(t) + "\"?($|[^a-z0-9_$])")).toList();
            Active active = new Active(m, names, current.get(m.id()));
            if (active.hold() != null) {
                active.hold().move = m;
            }
            next.computeIfAbsent(m.database(), d -> new ArrayList<>()).add(active);
            if (m.subject() != null) {
                tenants.put(m.database() + "/" + m.subject(), active);
            }
        }
        for (MoveHold h : state.holds()) {
            Hold hold = holds.get(h.moveId() + "/" + h.attempt());
            state.active().stream().filter(m -> m.id() == h.moveId()).findFirst().ifPresent(m -> hold.move = m);
        }
        byDatabase = Map.copyOf(next);
        byTenant = Map.copyOf(tenants);
        release();
    }

    /** A new map version is routed by: holds released up to it let their writes go. */
    public synchronized void mapsApplied() {
        release();
    }

    /** This instance's tenant or key directory changed: holds released to a flip it now routes by let their statements go. */
    public synchronized void placementChanged() {
        release();
    }

    private void release() {
        long now = mapVersion.getAsLong();
        for (Hold hold : holds.values()) {
            MoveRecord m = hold.move;
            boolean routed = m == null || m.bucket() ? hold.version <= now : hold.version == 0 || routesByFlip(m, hold.version);
            if (hold.version >= 0 && routed) {
                hold.released.complete(null);
            }
        }
    }

    /** Whether this instance routes a tenant or key move's subject by its flip at {@code version}: both directories have it. */
    private boolean routesByFlip(MoveRecord m, long version) {
        LocalPlacement local = placement;
        return (m.subject() == null || m.target().equals(local.tenantShard(m.subject())))
                && (m.keyValue() == null || local.keysSeen() >= version);
    }

    /**
     * What to do with {@code command}, routed by {@code router} for {@code database}. {@code
     * transactionSince}: {@link System#nanoTime} of the first statement of the session's open
     * transaction, {@link Long#MAX_VALUE} outside one. A transaction begun before a hold is not held:
     * it may have written the bucket already, and the fence on the source waits for it to end (were
     * it held, each would wait for the other until a bound).
     */
    @Override
    public Check check(String database, Command command, Router router, LexedStatement statement, KeySource.Placeholders values,
                       Analysis plan, long transactionSince) {
        List<Active> moves = byDatabase.get(database);
        if (moves == null) {
            return GO;
        }
        boolean write;
        switch (command) {
            case Command.Run r -> write = r.route().kind() != StatementKind.READ;
            case Command.InsertSelect i -> write = true;
            case Command.WriteByKeys w -> write = true;
            case Command.JoinedWrite j -> write = true;
            case Command.CopyIntoShards c -> {
                return copy(moves, c, transactionSince);
            }
            case Command.Coordinate c -> write = false;
            case Command.DeclareCursor d -> write = false;
            case Command.Explain e -> write = false;
            case Command.ExplainCoordinator e -> write = false;
            case Command.Begin b -> {
                return GO;
            }
            case Command.Commit c -> {
                return GO;
            }
            case Command.Rollback r -> {
                return GO;
            }
            case Command.Savepoint s -> {
                return GO;
            }
            case Command.TransactionSetting s -> {
                return GO;
            }
            case Command.SessionSetting s -> {
                return GO;
            }
            case Command.Discard d -> {
                return GO;
            }
            case Command.Listen l -> {
                return GO;
            }
            case Command.Deallocate d -> {
                return GO;
            }
            // PREPARE reads the catalog only; EXECUTE's statement is routed, and checked, as one of its own.
            case Command.SqlPrepare p -> {
                return GO;
            }
            case Command.SqlExecute e -> {
                return GO;
            }
            case Command.ExplainRoute e -> {
                return GO;
            }
            case Command.ExplainCoordinated e -> {
                return GO;
            }
            case Command.CopyIntoReference c -> {
                return GO;
            }
            case Command.OnCursor c -> {
                return GO;
            }
            case Command.LearnColumns l -> {
                return GO;
            }
            case Command.Refused r -> {
                return GO;
            }
        }
        TouchedBuckets touched;
        Analysis analysis = plan != null ? plan : router.shards().cached(statement);
        try {
            touched = analysis == null ? TouchedBuckets.EVERY : router.shards().touchedBuckets(analysis, statement, values);
        } catch (RoutingException e) {
            return GO;   // the statement's own error, which the command carries or raises
        }
        DatabaseConfig config = router.shards().database();
        for (Active a : moves) {
            if (a.move().schemaName() != null || (a.move().subject() != null && a.move().keyValue() == null)) {
                continue;   // a schema or database tenant's tables are not the database's sharded tables
            }
            for (int i = 0; i < a.move().tables().size(); i++) {
                String table = a.move().tables().get(i);
                boolean named = touched.byTable().containsKey(table);
                boolean every = named ? touched.byTable().get(table) == null
                        : touched.everyTable() && a.names().get(i).matcher(statement.text()).find();
                if (every) {
                    if (hidesCopies(command)) {
                        continue;   // the coordinator step's pulls leave the copy out (hidden)
                    }
                    if (reachesCopy(command, a.move())) {
                        // A read goes on through the coordinator step instead of being merged from every shard.
                        Command instead = write || analysis == null ? null : router.coordinatedInstead(statement, analysis);
                        return instead instanceof Command.Coordinate ? new Check.Instead(instead) : refuse(a, table);
                    }
                    // It reads (or changes) the bucket where routing has it, once; a change there is replicated to the copy.
                    if (write && holding(a, transactionSince)) {
                        return waitFor(a, table);
                    }
                    continue;
                }
                if (!named || !write || !holding(a, transactionSince)) {
                    continue;
                }
                int position = position(config, table, a.move());
                if (position < 0 || touched.byTable().get(table).get(position)) {
                    return waitFor(a, table);
                }
            }
        }
        return GO;
    }

    /**
     * A read through the coordinator step: pgsteer writes each shard's pull itself, and leaves the copy
     * out of it ({@link #hidden}), so it reads every bucket once wherever the copies are.
     */
    private static boolean hidesCopies(Command command) {
        return switch (command) {
            case Command.Coordinate c -> true;
            case Command.ExplainCoordinator e -> true;
            case Command.DeclareCursor d -> d.query() instanceof Command.Coordinate;
            default -> false;
        };
    }

    /**
     * The rows of a moving bucket that {@code shard} holds without routing giving them to it: on the
     * target until the bucket is its in {@code config} (the map this instance routes by), on the source
     * after. By the hash template the move made on both shards; once the template is gone (the move
     * ended, its copy deleted first), the condition keeps every row.
     */
    @Override
    public List<String> hidden(String database, DatabaseConfig config, String table, String shard) {
        List<Active> moves = byDatabase.get(database);
        if (moves == null) {
            return List.of();
        }
        List<String> conditions = new ArrayList<>();
        for (Active a : moves) {
            MoveRecord m = a.move();
            int index = m.tables().indexOf(table);
            if (index < 0 || m.keyType() == null || m.schemaName() != null) {
                continue;   // a schema tenant's tables are not the database's sharded tables
            }
            String key = MoveNames.ident(m.keys().get(index));
            if (!shard.equals(copyHolder(config, table, m))) {
                continue;
            }
            if (m.bucket()) {
                conditions.add("coalesce(NOT pg_catalog.satisfies_hash_partition((SELECT c.oid FROM pg_catalog.pg_class c WHERE "
                        + "c.relname = 'pgsteer_move_" + m.id() + "_hash' AND c.relkind = 'p' LIMIT 1)::pg_catalog.regclass, "
                        + m.modulus() + ", " + m.remainder() + ", " + key + "), true)");
            } else if (m.keyValue() != null) {
                // A directory key's (or shared tenant's) rows: its copy is every row of the key on that shard.
                conditions.add(key + " IS DISTINCT FROM " + MoveNames.literal(m.keyValue()) + "::" + m.keyType());
            }
        }
        return conditions;
    }

    /**
     * The shard holding the move's copy that routing by {@code config} does not use; for a key's move by
     * its phase as this instance heard it (the directories are not in {@code config}; from the flip until
     * every instance routes by it, writes of the key are held, so the two copies are the same).
     */
    private static String copyHolder(DatabaseConfig config, String table, MoveRecord move) {
        int position = position(config, table, move);
        if (position >= 0 && config.tables().get(table) instanceof TableConfig.Sharded sharded) {
            String owner = config.bucketsOf(sharded).placement().get(position).shard();
            return owner.equals(move.target()) ? move.source() : move.target();
        }
        return MovePhase.of(move.phase()).flipped() ? move.source() : move.target();
    }

    /**
     * Whether {@code command} would reach the shard that holds the copy of the move's bucket that is
     * not routing's: the target before the flip, the source after it until its rows are deleted. Only a
     * routed statement's shards are known here (a scan goes only to the shards that hold the group's
     * buckets: a fresh target is not one of them); any other command counts as reaching it.
     */
    private static boolean reachesCopy(Command command, MoveRecord move) {
        String copy = MovePhase.of(move.phase()).flipped() ? move.source() : move.target();
        return !(command instanceof Command.Run run) || run.route().shards().contains(copy);
    }

    private Check copy(List<Active> moves, Command.CopyIntoShards copy, long transactionSince) {
        String table = copy.table().name().toLowerCase(Locale.ROOT);
        for (Active a : moves) {
            if (a.move().tables().contains(table) && holding(a, transactionSince)) {
                return waitFor(a, table);
            }
        }
        return GO;
    }

    private static boolean holding(Active a, long transactionSince) {
        return a.hold() != null && !a.hold().released.isDone()
                && (transactionSince == Long.MAX_VALUE || transactionSince - a.hold().seenAt > 0);
    }

    private Check waitFor(Active a, String table) {
        MoveRecord m = a.move();
        return new Check.Wait(a.hold().released, writeWait, new Command.Refused(SqlState.LOCK_NOT_AVAILABLE.code(),
                "could not obtain the write hold: " + moving(m, table) + " is moving from " + m.source() + " to " + m.target() + " (move " + m.id() + ") and its writes were held "
                        + "longer than " + writeWait.toMillis() + " ms; retry the statement (SHOW MOVES shows the move)"));
    }

    private static Check refuse(Active a, String table) {
        MoveRecord m = a.move();
        return new Check.Refuse(new Command.Refused(SqlState.FEATURE_NOT_SUPPORTED.code(), moving(m, table) + " is moving from " + m.source() + " to " + m.target() + " (move " + m.id()
                + ", " + m.phase() + "): until the move ends its rows are on both shards, and a statement that reaches every "
                + "bucket of " + table + " (no key, or DDL) would read or change them twice; name the key, or run it once "
                + "SHOW MOVES says done (or after CANCEL MOVE " + m.id() + ")"));
    }

    /** What moves, for a message: {@code bucket 5 of 12 of table orders}, {@code key 'acme' of table projects}. */
    private static String moving(MoveRecord m, String table) {
        return m.bucket() ? "bucket " + m.remainder() + " of " + m.modulus() + " of table " + table
                : (m.subject() != null ? "tenant " + m.subject() + ", " : "") + "key '" + m.keyValue() + "' of table " + table;
    }

    /** The bucket's position in the table's map now; -1 when the map has no such bucket (changed meanwhile). */
    private static int position(DatabaseConfig config, String table, MoveRecord move) {
        if (!move.bucket() || !(config.tables().get(table) instanceof TableConfig.Sharded sharded)
                || !(sharded.function() instanceof ShardFunction.Hash)) {
            return -1;   // a key's or tenant's move: a write of the group by key is held whichever key it names
        }
        List<BucketMap.Bucket> placement = config.bucketsOf(sharded).placement();
        for (int i = 0; i < placement.size(); i++) {
            if (placement.get(i).modulus() == move.modulus() && placement.get(i).remainder() == move.remainder()) {
                return i;
            }
        }
        return -1;
    }
}
