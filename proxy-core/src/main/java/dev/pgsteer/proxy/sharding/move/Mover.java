package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.config.store.MoveStore;
import dev.pgsteer.config.store.MoveStore.Field;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one move through its {@link MovePhase}s, from whatever phase the store has (a move taken over
 * or resumed after a restart goes on from there), on a thread of its own. Every step is idempotent:
 * the objects it makes are named by the move's id and made only when missing, so running a phase a
 * second time is harmless. Every store update is conditioned on this instance owning the move; when
 * it no longer does, it stops ({@link NotOwnerException}).
 *
 * <p>Never a lost or duplicated row: before the flip the source is the bucket's shard and the target's
 * copies are invisible to routing by key (and statements that would scan them are refused by
 * {@link MoveGuard}); the flip happens only after the fence stopped every write of the bucket on the
 * source and the target's count and checksum of the bucket equal the source's; after it, the source's
 * rows are deleted only once every live instance routes by the flipped map.
 */
final class Mover implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Mover.class);

    private final MoveStore store;
    private final ShardMaps maps;
    private final Supplier<ProxyConfig> proxy;
    private final String node;
    private final MoveTimings timings;
    private final MoveMetrics metrics;
    private final MoveRow row;
    private final TenantPlacing placing;
    private final MoveFreeze freeze;
    private MoveScope names;
    /** Set when this instance stops: the move is left where it is, for another instance (or the next start). */
    private volatile boolean stopped;

    Mover(MoveRecord move, MoveStore store, ShardMaps maps, Supplier<ProxyConfig> proxy, String node, MoveTimings timings,
          MoveMetrics metrics, TenantPlacing placing, MoveFreeze freeze) {
        this.placing = placing;
        this.freeze = freeze;
        this.row = new MoveRow(move, store, MoveFlip.of(move, maps, placing), node);
        this.store = store;
        this.maps = maps;
        this.proxy = proxy;
        this.node = node;
        this.timings = timings;
        this.metrics = metrics;
    }

    long id() {
        return move().id();
    }

    /** Leaves the move where it is: no rollback, no further step (the stop's interrupt breaks what runs now). */
    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        names = names(move());
        while (true) {
            MovePhase phase = MovePhase.of(move().phase());
            if (phase.finished() || stopped) {
                return;
            }
            try {
                if (!phase.flipped() && cancelRequested()) {
                    rollBack(MovePhase.CANCELLED, "cancelled by CANCEL MOVE " + move().id());
                    return;
                }
                switch (phase) {
                    case CHECKING -> check();
                    case COPYING -> copy();
                    case CATCHING_UP -> catchUp();
                    case HOLDING, VERIFYING -> reconcileCutover();
                    case FLIPPED -> awaitInstances();
                    case CLEANING -> clean();
                    case QUEUED, DONE, FAILED, CANCELLED -> {
                        // A queued move is started by its owner's Moves (promoted to CHECKING), never here.
                        return;
                    }
                }
            } catch (NotOwnerException e) {
                log.info("{}", e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException | RuntimeException e) {
                if (stopped) {
                    // The instance stops: what failed was cut off by it, not a reason to roll back.
                    log.info("move {}: left in {} as this instance stops; another instance carries it on", move().id(),
                            phase.label());
                    return;
                }
                String reason = e instanceof SQLException sql ? "shard error " + sql.getSQLState() + ": " + sql.getMessage()
                        : e.getMessage();
                if (phase.flipped()) {
                    // Past the flip a move only goes forward: retry the step until it works.
                    log.warn("move {}: {} failed, retrying: {}", move().id(), phase.label(), reason);
                    set(Map.of(Field.ERROR, reason));
                    sleep(Duration.ofSeconds(1));
                    continue;
                }
                log.warn("move {}: {} failed, rolling back: {}", move().id(), phase.label(), reason);
                try {
                    rollBack(MovePhase.FAILED, reason);
                } catch (NotOwnerException gone) {
                    return;
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (SQLException | RuntimeException again) {
                    log.warn("move {}: rollback failed, retrying: {}", move().id(), again.getMessage());
                    sleep(Duration.ofSeconds(1));
                    continue;
                }
                return;
            }
        }
    }

    // --- phases ---

    private void check() throws SQLException, InterruptedException {
        // A database tenant's database is not on the target yet: its checks there run in the shard's own database.
        try (Connection source = open(move().source());
             Connection target = names instanceof DatabaseScope ? server(move().target()) : open(move().target())) {
            boolean own = names instanceof SchemaScope || names instanceof DatabaseScope;
            MoveRequirements.check(source, move().source(), target, move().target(), own ? List.of() : move().tables());
            List<String> lacking;
            switch (names) {
                case MoveNames bucket -> {
                    readKeyType(source);
                    execute(source, names().createTemplate());
                    execute(target, names().createTemplate());
                    lacking = guardAndClearTarget(source, target);
                }
                case KeyScope key -> {
                    MoveRequirements.rowSecurity(source, move().source(), move().tables());
                    MoveRequirements.rowSecurity(target, move().target(), move().tables());
                    readKeyType(source);
                    lacking = guardAndClearTarget(source, target);
                }
                case SchemaScope tenant -> {
                    List<String> tables = SchemaTenantSteps.check(source, move().source(), target, move().target(),
                            move().schemaName());
                    set(Map.of(Field.KEYS, tables));
                    names = MoveScope.of(move());
                    row.awaitAcks("guard", Duration.ofSeconds(10), "guard the moving tenant");
                    lacking = ReplicaIdentities.lackingAny(source, move().schemaName(), tables);
                }
                case DatabaseScope tenant -> {
                    List<String> tables = DatabaseTenantSteps.check(source, move().source(), target, move().target(),
                            tenant.database());
                    set(Map.of(Field.KEYS, DatabaseScope.keys(tenant.database(), tables)));
                    names = MoveScope.of(move());
                    row.awaitAcks("guard", Duration.ofSeconds(10), "guard the moving tenant");
                    lacking = ReplicaIdentities.lackingAny(source, tables);
                }
            }
            set(Map.of(Field.IDENTITIES, union(move().identities(), lacking)));
            ReplicaIdentities.makeFull(source, lacking);
            freeze.at(MoveFreeze.Point.CHECKING);
            Map<Field, Object> next = new LinkedHashMap<>();
            next.put(Field.PHASE, MovePhase.COPYING.label());
            next.put(Field.ERROR, null);
            set(next);
        }
    }

    /** The key column's type on the source, kept in the store: the row filter reads keys in it. */
    private void readKeyType(Connection source) throws SQLException {
        String keyType;
        try (PreparedStatement st = source.prepareStatement("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                + " WHERE a.attrelid = to_regclass(?) AND a.attname = ?")) {
            st.setString(1, MoveNames.ident(move().tables().getFirst()));
            st.setString(2, move().keys().getFirst());
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new MoveRefusedException("table " + move().tables().getFirst() + " on " + move().source() + " has no column "
                            + move().keys().getFirst());
                }
                keyType = rs.getString(1);
            }
        }
        set(Map.of(Field.KEY_TYPE, keyType));
        names = MoveScope.of(move());
    }

    /**
     * Every instance guards the move before the target has a copied row (it refuses what would read the
     * rows twice); rows the target held without owning them are deleted. The tables whose replica
     * identity lacks the key, returned.
     */
    private List<String> guardAndClearTarget(Connection source, Connection target) throws SQLException, InterruptedException {
        row.awaitAcks("guard", Duration.ofSeconds(10), "refuse statements that would read the moving rows twice");
        long stale = steps().deleteBucket(target, n -> { });
        if (stale > 0) {
            log.warn("move {}: deleted {} row(s) of {} that shard {} held without owning them (an earlier move's copy)",
                    move().id(), stale, move().what(), move().target());
        }
        return ReplicaIdentities.lacking(source, move().tables(), move().keys());
    }

    /**
     * Also what a move goes back to when its stream is gone (a rollback cut short by its instance's end
     * left it so): so every step here is made as if nothing of the move existed but what CHECKING made,
     * and that is made again when it is not there (the templates, the barrier tables, the replica
     * identities; a schema tenant's schema below).
     */
    private void copy() throws SQLException, InterruptedException {
        if (names instanceof DatabaseScope tenant) {
            makeTargetDatabase(tenant);
        }
        try (Connection source = open(move().source()); Connection target = open(move().target())) {
            if (names instanceof MoveNames bucket) {
                execute(source, bucket.createTemplate());
                execute(target, bucket.createTemplate());
            }
            if (names.marks()) {
                execute(source, names.createMarker());
                execute(target, names.createMarker());
            }
            if (names instanceof MoveNames || names instanceof KeyScope) {
                identities(source);
            }
            if (names instanceof SchemaScope && !MoveRequirements.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = "
                    + MoveNames.literal(names.subscription()) + ")")) {
                // A rollback drops the target's schema only when this move made it: marked once CREATE SCHEMA made it
                // (which fails on a schema of someone else's); a copy of this move's cut off half made is made again.
                boolean ours = move().keyType() != null;
                TenantConfig tenant = placing.tenant(move().subject())
                        .orElseThrow(() -> new MoveRefusedException("tenant " + move().subject() + " is no longer in the directory"));
                if (ours) {
                    execute(target, "DROP SCHEMA IF EXISTS " + MoveNames.ident(move().schemaName()) + " CASCADE");
                }
                SchemaTenantSteps.makeSchema(source, target, move().schemaName(), tenant);
                if (!ours) {
                    set(Map.of(Field.KEY_TYPE, "schema"));
                }
                SchemaTenantSteps.copyDefinitions(source, target, move().schemaName());
            }
            if (!MoveRequirements.bool(source, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = "
                    + MoveNames.literal(names.publication()) + ")")) {
                execute(source, names.createPublication());
            }
            long total = steps().countBucket(source);
            Map<Field, Object> started = new LinkedHashMap<>();
            started.put(Field.ROWS_TOTAL, total);
            started.put(Field.PUBLICATION, names.publication());
            started.put(Field.SUBSCRIPTION, names.subscription());
            started.put(Field.SLOT, names.subscription());
            set(started);
            if (!MoveRequirements.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = "
                    + MoveNames.literal(names.subscription()) + ")")) {
                if (names instanceof MoveNames || names instanceof KeyScope) {
                    // The copy starts from no moving row on the target: copies an earlier move, or this one's
                    // rollback cut short, left there would be copied onto (duplicates, or a key conflict that stops the copy).
                    long stale = steps().deleteBucket(target, n -> { });
                    if (stale > 0) {
                        log.warn("move {}: deleted {} row(s) of {} that shard {} held without owning them (an earlier copy)",
                                move().id(), stale, move().what(), move().target());
                    }
                }
                if (names.marks()) {
                    // The subscription copies the source's barrier tokens of earlier attempts: none may be there already.
                    execute(target, "DELETE FROM " + names.marker());
                }
                execute(target, "CREATE SUBSCRIPTION " + names.subscription() + " CONNECTION "
                        + MoveNames.literal(conninfo(move().source())) + " PUBLICATION " + names.publication()
                        + " WITH (copy_data = true)");
            }
            freeze.at(MoveFreeze.Point.COPYING);
            while (true) {
                if (cancelRequested()) {
                    return;
                }
                boolean ready = MoveRequirements.bool(target, "SELECT count(*) > 0 AND bool_and(r.srsubstate IN ('r', 's'))"
                        + " FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = "
                        + MoveNames.literal(names.subscription()));
                long copied = steps().countBucket(target);
                metrics.copied(move().id(), copied);
                Map<Field, Object> progress = new LinkedHashMap<>();
                progress.put(Field.ROWS_COPIED, copied);
                if (ready) {
                    progress.put(Field.PHASE, MovePhase.CATCHING_UP.label());
                }
                set(progress);
                if (ready) {
                    return;
                }
                sleep(timings.poll().multipliedBy(5));
            }
        }
    }

    private void catchUp() throws SQLException, InterruptedException {
        int polls = 0;
        try (Connection source = open(move().source()); Connection target = open(move().target())) {
            while (true) {
                if (cancelRequested()) {
                    return;
                }
                ShardSteps.Lag lag = steps().lag(source, target);
                freeze.at(MoveFreeze.Point.CATCHING_UP);
                if (lag.bytes() < 0) {
                    // No slot on the source: the stream is gone (a rollback cut short by its instance's end, or a
                    // slot dropped by hand) and nothing would ever catch up. Copy again, from no row on the target.
                    log.warn("move {}: the source has no replication slot {}: the copy starts again", move().id(),
                            names.subscription());
                    steps().dropSubscription(target);
                    Map<Field, Object> again = new LinkedHashMap<>();
                    again.put(Field.PHASE, MovePhase.COPYING.label());
                    again.put(Field.ERROR, "the source's replication slot was gone (a rollback cut short?): copying again");
                    set(again);
                    return;
                }
                Map<Field, Object> progress = new LinkedHashMap<>();
                if (polls++ % 10 == 0) {
                    // A count reads the whole bucket: once every ten polls is enough for a progress column.
                    long copied = steps().countBucket(target);
                    metrics.copied(move().id(), copied);
                    progress.put(Field.ROWS_COPIED, copied);
                }
                progress.put(Field.LAG_BYTES, lag.bytes());
                progress.put(Field.LAG_SECONDS, lag.seconds());
                boolean close = lag.bytes() >= 0 && lag.bytes() <= timings.catchUpBytes();
                if (close) {
                    progress.put(Field.PHASE, MovePhase.HOLDING.label());
                }
                set(progress);
                if (close) {
                    new Cutover(row, steps(), timings, metrics, freeze).attempt(source, target);
                    return;
                }
                sleep(timings.poll());
            }
        }
    }

    /**
     * A move resumed in HOLDING or VERIFYING (its owner stopped mid-cutover): the store's map says
     * whether the flip happened. If it did, the move goes on from FLIPPED; else the attempt gives up.
     */
    private void reconcileCutover() throws SQLException, InterruptedException {
        Long version = row.flippedVersion();
        if (version != null) {
            Map<Field, Object> flipped = new LinkedHashMap<>();
            flipped.put(Field.PHASE, MovePhase.FLIPPED.label());
            flipped.put(Field.FLIP_VERSION, version);
            set(flipped);
            row.release(version);
            return;
        }
        try (Connection source = open(move().source())) {
            steps().dropFence(source);
        }
        row.release(0);
        set(Map.of(Field.PHASE, MovePhase.CATCHING_UP.label()));
    }

    private void awaitInstances() throws InterruptedException {
        long version = move().flipVersion();
        row.flip().complete(move());
        row.release(version);
        while (!row.flip().awaitRouting(row, version, Duration.ZERO).isEmpty()) {
            sleep(timings.poll());
        }
        set(Map.of(Field.PHASE, MovePhase.CLEANING.label()));
    }

    private void clean() throws SQLException, InterruptedException {
        if (names instanceof DatabaseScope tenant) {
            cleanDatabase(tenant);
            return;
        }
        try (Connection target = open(move().target())) {
            steps().dropSubscription(target);
        }
        try (Connection source = open(move().source())) {
            execute(source, "DROP PUBLICATION IF EXISTS " + names.publication());
            steps().dropSlot(source);
            freeze.at(MoveFreeze.Point.CLEANING);
            ensureOwner();
            steps().deleteBucket(source, n -> set(Map.of(Field.ROWS_DELETED, move().rowsDeleted() + n)));
            steps().dropFence(source);
            if (!(names instanceof SchemaScope)) {
                ReplicaIdentities.restore(source, move().identities());   // a schema's tables went with it
            }
            if (names instanceof MoveNames bucket) {
                execute(source, bucket.dropTemplate());
            }
            execute(source, names.dropMarker());
        }
        try (Connection target = open(move().target())) {
            if (names instanceof MoveNames bucket) {
                execute(target, bucket.dropTemplate());
            }
            execute(target, names.dropMarker());
        }
        if (names instanceof SchemaScope) {
            try (Connection target = open(move().target())) {
                ReplicaIdentities.restore(target, move().identities());   // the copy's tables were made as the source's were
            }
        }
        metrics.done(move().id());
        set(Map.of(Field.PHASE, MovePhase.DONE.label()));
        log.info("move {}: done; the source's {} row(s) of {} deleted", move().id(), move().rowsDeleted(), move().what());
    }

    /**
     * Before the flip: the source stays the bucket's shard; what the move made is removed, and the
     * target's copies of the bucket are deleted. The store's map is read first: a move whose flip was
     * made (its owner stopped right after) is finished instead.
     */
    private void rollBack(MovePhase end, String why) throws SQLException, InterruptedException {
        Long version = row.flippedVersion();
        if (version != null) {
            Map<Field, Object> flipped = new LinkedHashMap<>();
            flipped.put(Field.PHASE, MovePhase.FLIPPED.label());
            flipped.put(Field.FLIP_VERSION, version);
            set(flipped);
            return;
        }
        row.release(0);
        if (names instanceof DatabaseScope tenant) {
            rollBackDatabase(tenant);
        } else {
            rollBackShards();
        }
        metrics.done(move().id());
        Map<Field, Object> ended = new LinkedHashMap<>();
        ended.put(Field.PHASE, end.label());
        ended.put(Field.ERROR, why);
        set(ended);
        log.info("move {}: {} ({}); shard {} keeps {}", move().id(), end.label(), why, move().source(), move().what());
    }

    /** A rollback's steps on the shards, for a bucket, a key or a schema tenant. */
    private void rollBackShards() throws SQLException, InterruptedException {
        try (Connection source = open(move().source())) {
            steps().dropFence(source);
            try (Connection target = open(move().target())) {
                steps().dropSubscription(target);
                execute(source, "DROP PUBLICATION IF EXISTS " + names.publication());
                steps().dropSlot(source);
                freeze.at(MoveFreeze.Point.ROLLING_BACK);
                if (move().keyType() != null) {
                    if (names instanceof MoveNames bucket) {
                        execute(target, bucket.createTemplate());
                    }
                    ensureOwner();   // the target's copies go only while this instance still owns the move, unflipped
                    if (row.flippedVersion() != null) {
                        throw new MoveRefusedException("the move was flipped meanwhile; it goes on from flipped");
                    }
                    steps().deleteBucket(target, n -> { });
                    if (names instanceof MoveNames bucket) {
                        execute(target, bucket.dropTemplate());
                    }
                }
                execute(target, names.dropMarker());
            }
            ReplicaIdentities.restore(source, move().identities());
            if (names instanceof MoveNames bucket) {
                execute(source, bucket.dropTemplate());
            }
            execute(source, names.dropMarker());
        }
    }

    /**
     * A database tenant's rollback: the source's database stays, with what the move changed there undone;
     * the target's database goes only when this move made it (its making name, or the tenant's name with
     * the move's comment: never a database of someone else's).
     */
    private void rollBackDatabase(DatabaseScope tenant) throws SQLException, InterruptedException {
        try (Connection source = open(move().source())) {
            steps().dropFence(source);
            if (targetIsOurs(tenant)) {
                try (Connection target = open(move().target())) {
                    steps().dropSubscription(target);
                }
            }
            execute(source, "DROP PUBLICATION IF EXISTS " + names.publication());
            steps().dropSlot(source);
            freeze.at(MoveFreeze.Point.ROLLING_BACK);
            ensureOwner();   // the target's copy goes only while this instance still owns the move, unflipped
            if (row.flippedVersion() != null) {
                throw new MoveRefusedException("the move was flipped meanwhile; it goes on from flipped");
            }
            try (Connection server = server(move().target())) {
                execute(server, DatabaseScope.dropDatabase(tenant.makingName()));
                if (MoveRequirements.bool(server, tenant.markedOnTarget())) {
                    execute(server, tenant.dropDatabase());
                }
            }
            ReplicaIdentities.restore(source, move().identities());
        }
    }

    /**
     * A database tenant's database on the target, owned and granted as on the source, with every schema's
     * definitions, before the subscription copies its rows. It is made under the move's own name
     * ({@link DatabaseScope#makingName}), marked with the move's comment, then renamed to the tenant's
     * database: a crash at any point leaves either a database only this move names, or one of the tenant's
     * name with its mark, both known to be the move's; a database of the tenant's name made by someone
     * else meanwhile stops the rename, and is left alone. A copy cut off before its subscription is made
     * again, from no database.
     */
    private void makeTargetDatabase(DatabaseScope tenant) throws SQLException, InterruptedException {
        if (targetIsOurs(tenant)) {
            try (Connection target = open(move().target())) {
                if (MoveRequirements.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = "
                        + MoveNames.literal(names.subscription()) + ")")) {
                    return;   // copying already
                }
            }
            try (Connection server = server(move().target())) {
                execute(server, tenant.dropDatabase());
            }
        }
        TenantConfig config = placing.tenant(move().subject())
                .orElseThrow(() -> new MoveRefusedException("tenant " + move().subject() + " is no longer in the directory"));
        try (Connection source = open(move().source())) {
            try (Connection server = server(move().target())) {
                execute(server, DatabaseScope.dropDatabase(tenant.makingName()));
                DatabaseTenantSteps.makeDatabase(source, server, tenant.makingName(), tenant.mark(), config);
            }
            try (Connection target = links().open(move().target(), tenant.makingName())) {
                DatabaseTenantSteps.makeSchemas(source, target);
                DatabaseTenantSteps.copyDefinitions(source, target);
            }
        }
        try (Connection server = server(move().target())) {
            execute(server, "ALTER DATABASE " + MoveNames.ident(tenant.makingName()) + " RENAME TO " + MoveNames.ident(tenant.database()));
        }
        set(Map.of(Field.KEY_TYPE, "database"));
    }

    /** Whether the target's database of the tenant's name is this move's: marked so in the store, or carrying its comment. */
    private boolean targetIsOurs(DatabaseScope tenant) throws SQLException {
        try (Connection server = server(move().target())) {
            return MoveRequirements.bool(server, tenant.markedOnTarget());
        }
    }

    /**
     * A database tenant's cleanup: the stream stopped, the source's rows counted, then its database dropped
     * (WITH (FORCE): the tenant's pooled connections to it, idle on every instance, end with it) once no
     * session is in the middle of a statement there. Resumed after the drop, it finds no database and goes on.
     */
    private void cleanDatabase(DatabaseScope tenant) throws SQLException, InterruptedException {
        try (Connection target = open(move().target())) {
            steps().dropSubscription(target);
        }
        boolean there;
        try (Connection server = server(move().source())) {
            there = MoveRequirements.bool(server, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = "
                    + MoveNames.literal(tenant.database()) + ")");
            steps().dropSlot(server);
        }
        if (there) {
            try (Connection source = open(move().source())) {
                execute(source, "DROP PUBLICATION IF EXISTS " + names.publication());
                steps().dropSlot(source);
                freeze.at(MoveFreeze.Point.CLEANING);
                ensureOwner();
                steps().deleteBucket(source, n -> set(Map.of(Field.ROWS_DELETED, n)));
            }
            try (Connection server = server(move().source())) {
                DatabaseTenantSteps.awaitIdle(server, tenant.database(), Duration.ofSeconds(10));
                execute(server, tenant.dropDatabase());
            }
        }
        try (Connection target = open(move().target())) {
            ReplicaIdentities.restore(target, move().identities());   // the copy's tables were made as the source's were
        }
        try (Connection server = server(move().target())) {
            execute(server, "COMMENT ON DATABASE " + MoveNames.ident(tenant.database()) + " IS NULL");   // the tenant's now
        }
        metrics.done(move().id());
        set(Map.of(Field.PHASE, MovePhase.DONE.label()));
        log.info("move {}: done; the source's database {} ({} row(s) of {}) dropped", move().id(), tenant.database(),
                move().rowsDeleted(), move().what());
    }

    /**
     * REPLICA IDENTITY FULL for the tables whose identity lacks the key (recorded in the store first, with
     * what they had, for whoever ends the move to put back); none when every table has it already.
     */
    private void identities(Connection source) throws SQLException {
        List<String> lacking = ReplicaIdentities.lacking(source, move().tables(), move().keys());
        if (lacking.isEmpty()) {
            return;
        }
        set(Map.of(Field.IDENTITIES, union(move().identities(), lacking)));
        ReplicaIdentities.makeFull(source, lacking);
    }

    private void ensureOwner() {
        if (stopped) {
            throw new NotOwnerException(move().id());
        }
        cancelRequested();
    }

    private MoveRecord move() {
        return row.get();
    }

    private void set(Map<Field, Object> values) {
        row.set(values);
    }

    private boolean cancelRequested() {
        return row.cancelRequested();
    }

    private ShardLinks links() {
        ProxyConfig config = proxy.get();
        DatabaseConfig database = config.databases().get(move().database());
        if (database == null) {
            throw new MoveRefusedException("database " + move().database() + " is no longer in the configuration");
        }
        return new ShardLinks(config, database);
    }

    /** A connection to where the moving rows are on {@code shard}: a database tenant's own database, else the shard's. */
    private Connection open(String shard) throws SQLException {
        return names instanceof DatabaseScope tenant ? links().open(shard, tenant.database()) : links().open(shard);
    }

    /** A connection to the shard's own database on its server (where a database tenant's database is made and dropped). */
    private Connection server(String shard) throws SQLException {
        return links().open(shard);
    }

    /** How the target's subscription reaches the moving rows on {@code shard}. */
    private String conninfo(String shard) {
        return names instanceof DatabaseScope tenant ? links().conninfo(shard, tenant.database()) : links().conninfo(shard);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        ShardSteps.execute(c, sql);
    }

    private ShardSteps steps() {
        return new ShardSteps(names, timings);
    }

    private static MoveScope names(MoveRecord move) {
        return MoveScope.of(move);
    }

    /** A bucket move's names (its hash template): only the bucket's steps ask. */
    private MoveNames names() {
        return (MoveNames) names;
    }

    private static List<String> union(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        b.stream().filter(x -> !all.contains(x)).forEach(all::add);
        return all;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
            throw new NotOwnerException(move().id());
        }
    }
}
