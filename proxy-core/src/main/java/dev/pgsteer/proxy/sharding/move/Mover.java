package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.config.store.MoveStore;
import dev.pgsteer.config.store.MoveStore.Field;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private MoveRecord move;
    private MoveNames names;
    /** Set when this instance stops: the move is left where it is, for another instance (or the next start). */
    private volatile boolean stopped;

    Mover(MoveRecord move, MoveStore store, ShardMaps maps, Supplier<ProxyConfig> proxy, String node, MoveTimings timings,
          MoveMetrics metrics) {
        this.move = move;
        this.store = store;
        this.maps = maps;
        this.proxy = proxy;
        this.node = node;
        this.timings = timings;
        this.metrics = metrics;
    }

    long id() {
        return move.id();
    }

    /** Leaves the move where it is: no rollback, no further step (the stop's interrupt breaks what runs now). */
    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        names = names(move);
        while (true) {
            MovePhase phase = MovePhase.of(move.phase());
            if (phase.finished() || stopped) {
                return;
            }
            try {
                if (!phase.flipped() && cancelRequested()) {
                    rollBack(MovePhase.CANCELLED, "cancelled by CANCEL MOVE " + move.id());
                    return;
                }
                switch (phase) {
                    case CHECKING -> check();
                    case COPYING -> copy();
                    case CATCHING_UP -> catchUp();
                    case HOLDING, VERIFYING -> reconcileCutover();
                    case FLIPPED -> awaitInstances();
                    case CLEANING -> clean();
                    case DONE, FAILED, CANCELLED -> {
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
                    log.info("move {}: left in {} as this instance stops; another instance carries it on", move.id(),
                            phase.label());
                    return;
                }
                String reason = e instanceof SQLException sql ? "shard error " + sql.getSQLState() + ": " + sql.getMessage()
                        : e.getMessage();
                if (phase.flipped()) {
                    // Past the flip a move only goes forward: retry the step until it works.
                    log.warn("move {}: {} failed, retrying: {}", move.id(), phase.label(), reason);
                    set(Map.of(Field.ERROR, reason));
                    sleep(Duration.ofSeconds(1));
                    continue;
                }
                log.warn("move {}: {} failed, rolling back: {}", move.id(), phase.label(), reason);
                try {
                    rollBack(MovePhase.FAILED, reason);
                } catch (NotOwnerException gone) {
                    return;
                } catch (SQLException | RuntimeException again) {
                    log.warn("move {}: rollback failed, retrying: {}", move.id(), again.getMessage());
                    sleep(Duration.ofSeconds(1));
                    continue;
                }
                return;
            }
        }
    }

    // --- phases ---

    private void check() throws SQLException, InterruptedException {
        try (Connection source = open(move.source()); Connection target = open(move.target())) {
            MoveRequirements.check(source, move.source(), target, move.target(), move.tables());
            String keyType;
            try (PreparedStatement st = source.prepareStatement("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                    + " WHERE a.attrelid = to_regclass(?) AND a.attname = ?")) {
                st.setString(1, MoveNames.ident(move.tables().getFirst()));
                st.setString(2, move.keys().getFirst());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new MoveRefusedException("table " + move.tables().getFirst() + " on " + move.source() + " has no column "
                                + move.keys().getFirst());
                    }
                    keyType = rs.getString(1);
                }
            }
            set(Map.of(Field.KEY_TYPE, keyType));
            names = names(move);
            execute(source, names.createTemplate());
            execute(target, names.createTemplate());
            // Before the target has a copied row, every instance must refuse what would read the bucket twice.
            awaitAcks("guard", Duration.ofSeconds(10), "refuse statements that would read the moving bucket twice");
            long stale = deleteBucket(target, move.target(), false);
            if (stale > 0) {
                log.warn("move {}: deleted {} row(s) of bucket {} that shard {} held without owning them (an earlier move's copy)",
                        move.id(), stale, move.remainder() + " of " + move.modulus(), move.target());
            }
            List<String> identities = ReplicaIdentities.ensure(source, move.tables(), move.keys());
            Map<Field, Object> next = new LinkedHashMap<>();
            next.put(Field.IDENTITIES, union(move.identities(), identities));
            next.put(Field.PHASE, MovePhase.COPYING.label());
            next.put(Field.ERROR, null);
            set(next);
        }
    }

    private void copy() throws SQLException, InterruptedException {
        try (Connection source = open(move.source()); Connection target = open(move.target())) {
            if (!MoveRequirements.bool(source, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = "
                    + MoveNames.literal(names.publication()) + ")")) {
                execute(source, names.createPublication());
            }
            long total = countBucket(source);
            Map<Field, Object> started = new LinkedHashMap<>();
            started.put(Field.ROWS_TOTAL, total);
            started.put(Field.PUBLICATION, names.publication());
            started.put(Field.SUBSCRIPTION, names.subscription());
            started.put(Field.SLOT, names.subscription());
            set(started);
            if (!MoveRequirements.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = "
                    + MoveNames.literal(names.subscription()) + ")")) {
                execute(target, "CREATE SUBSCRIPTION " + names.subscription() + " CONNECTION "
                        + MoveNames.literal(links().conninfo(move.source())) + " PUBLICATION " + names.publication()
                        + " WITH (copy_data = true)");
            }
            while (true) {
                if (cancelRequested()) {
                    return;
                }
                boolean ready = MoveRequirements.bool(target, "SELECT count(*) > 0 AND bool_and(r.srsubstate IN ('r', 's'))"
                        + " FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = "
                        + MoveNames.literal(names.subscription()));
                long copied = countBucket(target);
                metrics.copied(move.id(), copied);
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
        try (Connection source = open(move.source()); Connection target = open(move.target())) {
            while (true) {
                if (cancelRequested()) {
                    return;
                }
                Lag lag = lag(source, target);
                long copied = countBucket(target);
                metrics.copied(move.id(), copied);
                Map<Field, Object> progress = new LinkedHashMap<>();
                progress.put(Field.ROWS_COPIED, copied);
                progress.put(Field.LAG_BYTES, lag.bytes());
                progress.put(Field.LAG_SECONDS, lag.seconds());
                boolean close = lag.bytes() >= 0 && lag.bytes() <= timings.catchUpBytes();
                if (close) {
                    progress.put(Field.PHASE, MovePhase.HOLDING.label());
                }
                set(progress);
                if (close) {
                    cutover(source, target);
                    return;
                }
                sleep(timings.poll());
            }
        }
    }

    /**
     * One cutover attempt: hold, fence, barrier, verify, flip, release. An attempt that cannot finish
     * within its bounds gives up: fence dropped, writes released to the source, back to CATCHING_UP.
     */
    private void cutover(Connection source, Connection target) throws SQLException, InterruptedException {
        int attempt = move.attempts() + 1;
        set(Map.of(Field.ATTEMPTS, attempt));
        long started = System.nanoTime();
        store.hold(move.id(), attempt);
        Set<String> missing = waitAcks("hold " + attempt, timings.ack());
        if (!missing.isEmpty()) {
            giveUp(source, started, "instance(s) " + String.join(", ", missing) + " did not hold writes within "
                    + timings.ack().toMillis() + " ms");
            return;
        }
        try {
            fence(source);
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                giveUp(source, started, "the source's open writers did not end within " + timings.lock().toMillis() + " ms");
                return;
            }
            throw e;
        }
        String barrier = MoveRequirements.one(source, "SELECT pg_current_wal_lsn()::text");
        long until = System.nanoTime() + timings.barrier().toNanos();
        while (!applied(source, barrier)) {
            if (System.nanoTime() > until) {
                giveUp(source, started, "the target did not apply the source's WAL up to " + barrier + " within "
                        + timings.barrier().toMillis() + " ms");
                return;
            }
            Thread.sleep(5);
        }
        set(Map.of(Field.PHASE, MovePhase.VERIFYING.label()));
        String mismatch = compare(source, target);
        if (mismatch != null) {
            giveUp(source, started, mismatch);
            return;
        }
        long version;
        try {
            version = flip();
        } catch (MoveRefusedException e) {
            giveUp(source, started, e.getMessage());
            return;
        }
        Map<Field, Object> flipped = new LinkedHashMap<>();
        flipped.put(Field.PHASE, MovePhase.FLIPPED.label());
        flipped.put(Field.FLIP_VERSION, version);
        flipped.put(Field.ERROR, null);
        set(flipped);
        // Writes are let go once every live instance routes by the flipped map: a client then reads its write anywhere.
        Set<String> behind = waitBehind(version, timings.ack());
        if (!behind.isEmpty()) {
            log.warn("move {}: instance(s) {} did not route by shard map version {} within {} ms; releasing the writes anyway",
                    move.id(), behind, version, timings.ack().toMillis());
        }
        store.release(move.id(), version);
        double held = (System.nanoTime() - started) / 1e6;
        metrics.held(held);
        set(Map.of(Field.HOLD_MS, decimal(held)));
        log.info("move {}: bucket {} of {} of {} is on {} from shard map version {} (writes held {} ms)", move.id(),
                move.remainder(), move.modulus(), String.join(", ", move.tables()), move.target(), version, Math.round(held));
    }

    private void giveUp(Connection source, long started, String why) throws SQLException, InterruptedException {
        dropFence(source);
        store.release(move.id(), 0);
        double held = (System.nanoTime() - started) / 1e6;
        metrics.held(held);
        log.warn("move {}: cutover attempt {} gave up: {}; the source keeps the bucket", move.id(), move.attempts(), why);
        if (move.attempts() >= timings.attempts()) {
            throw new MoveRefusedException("the cutover gave up " + move.attempts() + " times; last: " + why);
        }
        Map<Field, Object> back = new LinkedHashMap<>();
        back.put(Field.PHASE, MovePhase.CATCHING_UP.label());
        back.put(Field.HOLD_MS, decimal(held));
        back.put(Field.ERROR, "cutover attempt " + move.attempts() + " gave up: " + why);
        set(back);
        sleep(Duration.ofMillis(500L * move.attempts()));
    }

    /**
     * A move resumed in HOLDING or VERIFYING (its owner stopped mid-cutover): the store's map says
     * whether the flip happened. If it did, the move goes on from FLIPPED; else the attempt gives up.
     */
    private void reconcileCutover() throws SQLException, InterruptedException {
        Long version = flippedVersion();
        if (version != null) {
            Map<Field, Object> flipped = new LinkedHashMap<>();
            flipped.put(Field.PHASE, MovePhase.FLIPPED.label());
            flipped.put(Field.FLIP_VERSION, version);
            set(flipped);
            store.release(move.id(), version);
            return;
        }
        try (Connection source = open(move.source())) {
            dropFence(source);
        }
        store.release(move.id(), 0);
        set(Map.of(Field.PHASE, MovePhase.CATCHING_UP.label()));
    }

    private void awaitInstances() throws InterruptedException {
        long version = move.flipVersion();
        store.release(move.id(), version);
        while (!store.behind(version).isEmpty()) {
            sleep(timings.poll());
        }
        set(Map.of(Field.PHASE, MovePhase.CLEANING.label()));
    }

    private void clean() throws SQLException, InterruptedException {
        try (Connection target = open(move.target())) {
            dropSubscription(target);
        }
        try (Connection source = open(move.source())) {
            execute(source, "DROP PUBLICATION IF EXISTS " + names.publication());
            dropSlot(source);
            ensureOwner();
            deleteBucket(source, move.source(), true);
            dropFence(source);
            ReplicaIdentities.restore(source, move.identities());
            execute(source, names.dropTemplate());
        }
        try (Connection target = open(move.target())) {
            execute(target, names.dropTemplate());
        }
        metrics.done(move.id());
        set(Map.of(Field.PHASE, MovePhase.DONE.label()));
        log.info("move {}: done; the source's {} row(s) of the bucket deleted", move.id(), move.rowsDeleted());
    }

    /**
     * Before the flip: the source stays the bucket's shard; what the move made is removed, and the
     * target's copies of the bucket are deleted. The store's map is read first: a move whose flip was
     * made (its owner stopped right after) is finished instead.
     */
    private void rollBack(MovePhase end, String why) throws SQLException {
        Long version = flippedVersion();
        if (version != null) {
            Map<Field, Object> flipped = new LinkedHashMap<>();
            flipped.put(Field.PHASE, MovePhase.FLIPPED.label());
            flipped.put(Field.FLIP_VERSION, version);
            set(flipped);
            return;
        }
        store.release(move.id(), 0);
        try (Connection source = open(move.source())) {
            dropFence(source);
            try (Connection target = open(move.target())) {
                dropSubscription(target);
                execute(source, "DROP PUBLICATION IF EXISTS " + names.publication());
                dropSlot(source);
                if (names.keyType() != null) {
                    execute(target, names.createTemplate());
                    ensureOwner();   // the target's copies go only while this instance still owns the move, unflipped
                    if (flippedVersion() != null) {
                        throw new MoveRefusedException("the bucket was flipped meanwhile; the move goes on from flipped");
                    }
                    deleteBucket(target, move.target(), false);
                    execute(target, names.dropTemplate());
                }
            }
            ReplicaIdentities.restore(source, move.identities());
            execute(source, names.dropTemplate());
        }
        metrics.done(move.id());
        Map<Field, Object> ended = new LinkedHashMap<>();
        ended.put(Field.PHASE, end.label());
        ended.put(Field.ERROR, why);
        set(ended);
        log.info("move {}: {} ({}); shard {} keeps the bucket", move.id(), end.label(), why, move.source());
    }

    // --- steps ---

    private void fence(Connection source) throws SQLException {
        source.setAutoCommit(false);
        try (Statement st = source.createStatement()) {
            st.execute("SET LOCAL lock_timeout = " + timings.lock().toMillis());
            for (int i = 0; i < move.tables().size(); i++) {
                for (String sql : names.dropFence(i)) {
                    st.execute(sql);
                }
                for (String sql : names.createFence(i)) {
                    st.execute(sql);
                }
            }
            source.commit();
        } catch (SQLException e) {
            source.rollback();
            throw e;
        } finally {
            source.setAutoCommit(true);
        }
    }

    private void dropFence(Connection source) throws SQLException {
        for (int i = 0; i < move.tables().size(); i++) {
            for (String sql : names.dropFence(i)) {
                execute(source, sql);
            }
        }
    }

    /**
     * Stops the copy first: nothing the source does afterwards reaches the target. DROP SUBSCRIPTION also
     * drops the slot on the source; when the source cannot be reached for that, the subscription lets
     * go of its slot and {@link #dropSlot} removes it on the source later.
     */
    private void dropSubscription(Connection target) throws SQLException {
        try {
            execute(target, "DROP SUBSCRIPTION IF EXISTS " + names.subscription());
        } catch (SQLException e) {
            log.warn("move {}: DROP SUBSCRIPTION could not drop its slot on the source ({}); dropping it without", move.id(),
                    e.getMessage());
            execute(target, "ALTER SUBSCRIPTION " + names.subscription() + " DISABLE");
            execute(target, "ALTER SUBSCRIPTION " + names.subscription() + " SET (slot_name = NONE)");
            execute(target, "DROP SUBSCRIPTION " + names.subscription());
        }
    }

    private void dropSlot(Connection source) throws SQLException {
        // DROP SUBSCRIPTION drops its slot when it reaches the source; a slot left behind would keep WAL forever.
        execute(source, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = "
                + MoveNames.literal(names.subscription()) + " AND NOT active");
    }

    private boolean applied(Connection source, String barrier) throws SQLException {
        return MoveRequirements.bool(source, "SELECT confirmed_flush_lsn >= " + MoveNames.literal(barrier)
                + "::pg_lsn FROM pg_replication_slots WHERE slot_name = " + MoveNames.literal(names.subscription()));
    }

    /** Null when the bucket's rows are the same on both shards (count and checksum of each table); else the difference. */
    private String compare(Connection source, Connection target) throws SQLException {
        for (Connection c : List.of(source, target)) {
            for (String setting : MoveNames.SETTINGS) {
                execute(c, setting);
            }
        }
        for (int i = 0; i < move.tables().size(); i++) {
            String a = checksum(source, i);
            String b = checksum(target, i);
            if (!a.equals(b)) {
                return "table " + move.tables().get(i) + ": the source has " + a + ", the target " + b + " (count checksum)";
            }
        }
        return null;
    }

    private String checksum(Connection c, int table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(names.checksum(table))) {
            rs.next();
            return rs.getLong(1) + " " + rs.getString(2);
        }
    }

    private long flip() {
        try {
            return maps.setBucket(move.database(), move.tables().getFirst(), move.remainder() + " of " + move.modulus(),
                    move.target()).version();
        } catch (RuntimeException e) {
            // The change may have been made before its answer was lost: the store's map says.
            Long version = flippedVersion();
            if (version != null) {
                return version;
            }
            throw new MoveRefusedException("the bucket map could not be changed: " + e.getMessage());
        }
    }

    /** The store's map version when the bucket is on the target there; null when it is not. */
    private Long flippedVersion() {
        BucketMaps stored = maps.store().load();
        BucketMap map = stored.of(move.database()).get(move.tables().getFirst());
        if (map == null) {
            return null;
        }
        for (BucketMap.Bucket b : map.placement()) {
            if (b.modulus() == move.modulus() && b.remainder() == move.remainder()) {
                return b.shard().equals(move.target()) ? stored.version() : null;
            }
        }
        return null;
    }

    /** Deletes the bucket's rows on {@code shard} in batches; {@code progress}: counted in rows_deleted. */
    private long deleteBucket(Connection c, String shard, boolean progress) throws SQLException {
        execute(c, MoveNames.FENCE_OFF);
        long deleted = 0;
        for (int i = 0; i < move.tables().size(); i++) {
            while (true) {
                int n;
                try (Statement st = c.createStatement()) {
                    n = st.executeUpdate(names.deleteBatch(i, timings.deleteBatch()));
                }
                deleted += n;
                if (progress && n > 0) {
                    set(Map.of(Field.ROWS_DELETED, move.rowsDeleted() + n));
                }
                if (n == 0) {
                    break;
                }
            }
        }
        return deleted;
    }

    private long countBucket(Connection c) throws SQLException {
        long rows = 0;
        for (int i = 0; i < move.tables().size(); i++) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(names.count(i))) {
                rs.next();
                rows += rs.getLong(1);
            }
        }
        return rows;
    }

    private record Lag(long bytes, BigDecimal seconds) {
    }

    private Lag lag(Connection source, Connection target) throws SQLException {
        long bytes = -1;
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(),"
                + " confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = "
                + MoveNames.literal(names.subscription()))) {
            if (rs.next()) {
                bytes = Math.max(0, rs.getLong(1));
            }
        }
        BigDecimal seconds = null;
        try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery("SELECT extract(epoch FROM now() - "
                + "last_msg_send_time) FROM pg_stat_subscription WHERE subname = " + MoveNames.literal(names.subscription())
                + " AND relid IS NULL")) {
            if (rs.next() && rs.getBigDecimal(1) != null) {
                seconds = rs.getBigDecimal(1).max(BigDecimal.ZERO).setScale(3, RoundingMode.HALF_UP);
            }
        }
        return new Lag(bytes, seconds);
    }

    private void awaitAcks(String what, Duration bound, String doing) throws InterruptedException {
        Set<String> missing = waitAcks(what, bound);
        if (!missing.isEmpty()) {
            throw new MoveRefusedException("instance(s) " + String.join(", ", missing) + " did not " + doing + " within "
                    + bound.toMillis() + " ms; is their metadata store connection up?");
        }
    }

    private Set<String> waitAcks(String what, Duration bound) throws InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        while (true) {
            Set<String> missing = store.notAcked(move.id(), what);
            if (missing.isEmpty() || System.nanoTime() > until) {
                return missing;
            }
            Thread.sleep(5);
        }
    }

    private Set<String> waitBehind(long version, Duration bound) throws InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        while (true) {
            Set<String> behind = store.behind(version);
            if (behind.isEmpty() || System.nanoTime() > until) {
                return behind;
            }
            Thread.sleep(5);
        }
    }

    private void ensureOwner() {
        if (stopped) {
            throw new NotOwnerException(move.id());
        }
        cancelRequested();
    }

    private boolean cancelRequested() {
        MoveRecord now = store.get(move.id()).orElseThrow(() -> new NotOwnerException(move.id()));
        if (!node.equals(now.owner())) {
            throw new NotOwnerException(move.id());
        }
        move = now;
        return now.cancel();
    }

    /** Sets fields of the move in the store (only while this instance owns it) and reads it back. */
    private void set(Map<Field, Object> values) {
        if (!store.set(move.id(), node, values)) {
            throw new NotOwnerException(move.id());
        }
        move = store.get(move.id()).orElseThrow(() -> new NotOwnerException(move.id()));
    }

    private ShardLinks links() {
        ProxyConfig config = proxy.get();
        DatabaseConfig database = config.databases().get(move.database());
        if (database == null) {
            throw new MoveRefusedException("database " + move.database() + " is no longer in the configuration");
        }
        return new ShardLinks(config, database);
    }

    private Connection open(String shard) throws SQLException {
        return links().open(shard);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static MoveNames names(MoveRecord move) {
        return new MoveNames(move.id(), move.tables(), move.keys(), move.keyType(), move.modulus(), move.remainder());
    }

    private static List<String> union(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        b.stream().filter(x -> !all.contains(x)).forEach(all::add);
        return all;
    }

    private static BigDecimal decimal(double ms) {
        return BigDecimal.valueOf(ms).setScale(1, RoundingMode.HALF_UP);
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
            throw new NotOwnerException(move.id());
        }
    }
}
