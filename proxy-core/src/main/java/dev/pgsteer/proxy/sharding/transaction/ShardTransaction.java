package dev.pgsteer.proxy.sharding.transaction;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.execute.Futures;
import dev.pgsteer.proxy.sharding.execute.SessionCursors;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A session's transaction across its shards: whether there is one (explicit, or implicit around a unit
 * that changes several shards), whether it failed, how a shard that joins it late is brought in
 * (its BEGIN and the savepoints so far), and how it ends: COMMIT on one shard, two-phase commit on
 * several, ROLLBACK everywhere.
 *
 * <pre>
 *   NONE ──BEGIN──► EXPLICIT ──COMMIT / ROLLBACK──► NONE      (an error: failed until ROLLBACK [TO])
 *   NONE ──a unit that changes several shards──► IMPLICIT ──end of the unit──► NONE
 * </pre>
 */
public final class ShardTransaction {
    public enum Mode { NONE, IMPLICIT, EXPLICIT }

    private final ShardLeases links;
    private final TwoPhaseCommit twoPhaseCommit;
    private final EventLoop loop;
    private final BackendListener owner;
    private Mode mode = Mode.NONE;
    /** Which of the session's transactions is open (or was last): grows when one starts, so state kept per transaction can tell a new one. */
    private long number;
    private boolean failed;
    private String begin = "BEGIN";
    private final List<String> savepoints = new ArrayList<>();
    /** SET LOCAL and SET TRANSACTION statements of the transaction, implicit or explicit: the coordinator reads the settings they name. */
    private final List<String> localSettings = new ArrayList<>();
    /** The transaction's cursors and continued portals: those on a coordinator apart end with it. */
    private final SessionCursors cursors;

    public ShardTransaction(ShardLeases links, TwoPhaseCommit twoPhaseCommit, EventLoop loop, BackendListener owner) {
        this.links = links;
        this.twoPhaseCommit = twoPhaseCommit;
        this.loop = loop;
        this.owner = owner;
        this.cursors = new SessionCursors(loop);
    }

    public Mode mode() {
        return mode;
    }

    /** Which of the session's transactions this is; a new one (implicit or explicit) has a higher number. */
    public long number() {
        return number;
    }

    public boolean isFailed() {
        return mode == Mode.EXPLICIT && failed;
    }

    /** The status ReadyForQuery reports. */
    public TransactionStatus status() {
        return mode == Mode.EXPLICIT ? (failed ? TransactionStatus.FAILED : TransactionStatus.IN_TRANSACTION) : TransactionStatus.IDLE;
    }

    /** A statement failed: an explicit transaction is aborted until ROLLBACK, as in PostgreSQL. */
    public void statementFailed() {
        if (mode == Mode.EXPLICIT) {
            failed = true;
        }
    }

    /** pgsteer opens a transaction around the unit (a change on several shards must be all or nothing). */
    public void startImplicit() {
        if (mode == Mode.NONE) {
            mode = Mode.IMPLICIT;
            number++;
        }
    }

    /** The BEGIN that brings a newly leased shard into the transaction, savepoints included; null when there is none. */
    public String beginStatement() {
        if (mode == Mode.NONE) {
            return null;
        }
        if (mode == Mode.IMPLICIT) {
            return "BEGIN";
        }
        StringBuilder sql = new StringBuilder(begin);
        for (String savepoint : savepoints) {
            sql.append("; SAVEPOINT ").append(savepoint);
        }
        return sql.toString();
    }

    /** BEGIN or START TRANSACTION: false if a transaction is open already (PostgreSQL warns and goes on). */
    public boolean beginExplicit(String text) {
        if (mode == Mode.EXPLICIT) {
            return false;
        }
        // The implicit transaction of a query string becomes the explicit one, as in PostgreSQL.
        if (mode == Mode.NONE) {
            number++;
        }
        mode = Mode.EXPLICIT;
        failed = false;
        begin = text.replaceFirst("(?i)^\\s*START\\s+TRANSACTION", "BEGIN");
        savepoints.clear();
        // Shards already in the implicit transaction stay in it; others are brought in as they are used.
        return true;
    }

    /** SET LOCAL, SET TRANSACTION: shards that join the transaction later get it with their BEGIN. */
    public void alsoOnJoin(String statement) {
        if (mode == Mode.EXPLICIT) {
            begin = begin + "; " + statement;
        }
        if (mode != Mode.NONE) {
            localSettings.add(statement);
        }
    }

    /** Where the transaction's cursors and the portals it continues live. */
    public SessionCursors cursors() {
        return cursors;
    }

    /** How many savepoints the transaction has: what opens now is closed by a ROLLBACK TO one of them. */
    public int savepointCount() {
        return savepoints.size();
    }

    /** The SET LOCAL (and SET TRANSACTION) statements the transaction ran so far. */
    public List<String> localSettings() {
        return localSettings;
    }

    /** The transaction is over for the session; the shards' part is ended by {@link #commit} or {@link #rollback}. */
    public void end() {
        mode = Mode.NONE;
        localSettings.clear();
        failed = false;
        begin = "BEGIN";
        savepoints.clear();
    }

    /**
     * Commits on the shards the transaction touched: plainly on one, with two-phase commit on several.
     * The future fails with the error that made it roll back.
     */
    public Future<Void> commit() {
        List<ShardLink> participants = new ArrayList<>();
        for (ShardLink link : links.all()) {
            if (link.inTransaction()) {
                participants.add(link);
            }
        }
        // The coordinators apart are not participants: their transactions (temporary tables) are rolled back.
        Future<Void> released = cursors.transactionEnded();
        if (participants.isEmpty()) {
            return released;
        }
        Future<Void> committed = participants.size() == 1
                ? participants.getFirst().connection().runInternal("COMMIT", loop)
                : twoPhaseCommit.commit(participants, loop);
        Promise<Void> done = loop.newPromise();
        Future<?> both = cursors.nothingHeld(released) ? committed : Futures.whenAll(List.of(released, committed), loop);
        both.addListener(all -> {
            Future<Void> f = committed;
            afterTransaction(participants);
            if (f.isSuccess()) {
                done.setSuccess(null);
            } else {
                done.setFailure(f.cause());
            }
        });
        return done;
    }

    /** Rolls back every shard in the transaction (or left in one). Never fails: a shard that cannot is closed. */
    public Future<Void> rollback() {
        List<ShardLink> participants = new ArrayList<>();
        List<Future<Void>> rollbacks = new ArrayList<>();
        for (ShardLink link : links.all()) {
            if (link.holdsTransaction()) {
                participants.add(link);
                rollbacks.add(link.connection().runInternal("ROLLBACK", loop));
            }
        }
        Promise<Void> done = loop.newPromise();
        Future<Void> released = cursors.transactionEnded();
        if (!cursors.nothingHeld(released)) {
            rollbacks.add(released);
        }
        Futures.whenAll(rollbacks, loop).addListener(f -> {
            for (int i = 0; i < participants.size(); i++) {
                if (!rollbacks.get(i).isSuccess()) {
                    // A connection that cannot roll back is not given to anyone else.
                    participants.get(i).connection().close();
                }
            }
            afterTransaction(participants);
            done.setSuccess(null);
        });
        return done;
    }

    /**
     * SAVEPOINT, RELEASE or ROLLBACK TO ({@code tag}) on every shard of the transaction, remembered so
     * that shards joining later get the savepoints too. Fails with the first shard's error.
     */
    public Future<Void> savepoint(String text, String tag) {
        String name = text.replaceAll("(?is)^.*\\b(SAVEPOINT|TO|RELEASE)\\s+", "").replaceAll("[;\\s]+$", "")
                .toLowerCase(Locale.ROOT);
        List<ShardLink> held = new ArrayList<>(links.all());
        List<Future<Void>> runs = new ArrayList<>();
        for (ShardLink link : held) {
            runs.add(link.connection().runInternal(text, loop, TransactionStatus.IN_TRANSACTION));
        }
        Promise<Void> done = loop.newPromise();
        Futures.whenAll(runs, loop).addListener(f -> {
            reattach(held);
            Throwable error = runs.stream().filter(r -> !r.isSuccess()).map(Future::cause).findFirst().orElse(null);
            if (error != null) {
                done.setFailure(error);
                return;
            }
            switch (tag) {
                case "SAVEPOINT" -> savepoints.add(name);
                case "RELEASE" -> {
                    truncateSavepoints(name, false);
                    cursors.released(savepoints.size());
                }
                default -> {
                    truncateSavepoints(name, true);
                    cursors.rolledBackTo(savepoints.size());
                    failed = false;
                }
            }
            done.setSuccess(null);
        });
        return done;
    }

    private void truncateSavepoints(String name, boolean keep) {
        int at = savepoints.lastIndexOf(name);
        if (at >= 0) {
            savepoints.subList(keep ? at + 1 : at, savepoints.size()).clear();
        }
    }

    /** The connections pgsteer ran its own statements on come back to the session, out of any transaction. */
    private void afterTransaction(List<ShardLink> participants) {
        for (ShardLink link : participants) {
            link.leftTransaction();
        }
        reattach(participants);
    }

    private void reattach(List<ShardLink> held) {
        for (ShardLink link : held) {
            if (link.connection().isUsable()) {
                link.connection().attach(owner);
            }
        }
    }
}
