package dev.pgsteer.proxy.sharding;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.sharding.execute.Futures;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's settings follow it over shard connections: after a RESET the shards get the
 * session's startup values back, and at the end of a transaction that changed settings the shards
 * do not report, each connection's are read back before it goes to the pool.
 */
public final class ShardSettings {
    private static final Logger log = LoggerFactory.getLogger(ShardSettings.class);

    private final ClientSession session;
    private final ShardLeases leases;
    /** What the session's statements do to state on its connections (settings, what pins). */
    private final ConnectionStateWatch watch;
    private final EventLoop loop;
    /** Takes the connections back after pgsteer's own statements on them. */
    private final BackendListener owner;
    /** The settings the shards report (ParameterStatus), as the first connection told them. */
    private Map<String, String> reported = Map.of();

    public ShardSettings(ClientSession session, ShardLeases leases, ConnectionStateWatch watch, EventLoop loop, BackendListener owner) {
        this.session = session;
        this.leases = leases;
        this.watch = watch;
        this.loop = loop;
        this.owner = owner;
    }

    /** The settings the shards report, as the first connection of the session told them. */
    public void reported(Map<String, String> parameters) {
        reported = Map.copyOf(parameters);
    }

    public Map<String, String> reported() {
        return reported;
    }

    public ConnectionStateWatch watch() {
        return watch;
    }

    /**
     * The settings the session is known to have named: those it carries and those its statements set
     * since they were last read back (custom ones among them, which pg_settings does not list).
     */
    public Set<String> named() {
        Set<String> named = new LinkedHashSet<>(session.settings().wanted().keySet());
        named.addAll(watch.captureNames());
        return named;
    }

    /** Whether the session's connections must have their settings read back before they go. */
    public boolean captureDue() {
        return watch.captureDue() && !leases.isEmpty();
    }

    /**
     * The transaction is over and the session changed settings the shards do not report: each
     * connection's are read back before it goes to the pool. The session carries what the first
     * says (a SET reaches every shard alike); each connection is known to carry what it says.
     */
    public void captureThenRelease(Runnable then) {
        List<ShardLink> held = List.copyOf(leases.all());
        String sql = session.settings().captureStatement(watch.captureNames(), watch.captureAll(), reported);
        List<Future<List<List<String>>>> reads = new ArrayList<>();
        held.forEach(link -> reads.add(link.connection().queryInternal(sql, loop, TransactionStatus.IDLE)));
        Futures.whenAll(reads, loop).addListener(all -> {
            boolean adopted = false;
            for (int i = 0; i < held.size(); i++) {
                ShardLink link = held.get(i);
                Future<List<List<String>>> read = reads.get(i);
                if (!read.isSuccess()) {
                    log.warn("{}: could not read the session's settings on {}: {}", session.id(), link, read.cause().getMessage());
                    leases.lost(link);
                } else if (!adopted) {
                    session.settings().captured(read.getNow(), link.connection());
                    adopted = true;
                } else {
                    session.settings().observed(read.getNow(), link.connection());
                }
            }
            watch.captured();
            leases.releaseAll();
            then.run();
        });
    }

    /**
     * After a RESET, RESET ALL or DISCARD ALL the shards hold pgsteer's login values: the session's
     * startup values of what was reset go back on each, in the transaction the RESET ran in (not
     * when the unit failed).
     */
    public void restoreStartup(boolean unitFailed, Runnable next) {
        if (!watch.restoreDue()) {
            next.run();
            return;
        }
        String restore = unitFailed ? null
                : session.settings().restoreStartupStatement(watch.restoreAll(), watch.restoreNames());
        boolean all = watch.restoreAll();
        Set<String> names = Set.copyOf(watch.restoreNames());
        watch.restored();
        if (restore == null || leases.isEmpty()) {
            next.run();
            return;
        }
        List<ShardLink> held = List.copyOf(leases.all());
        List<Future<Void>> runs = new ArrayList<>();
        held.forEach(link -> runs.add(link.connection().runInternal(restore, loop, reportedStatus -> { }, link.status())));
        Futures.whenAll(runs, loop).addListener(done -> {
            for (int i = 0; i < held.size(); i++) {
                ShardLink link = held.get(i);
                if (runs.get(i).isSuccess()) {
                    session.settings().restoredStartup(link.connection(), all, names);
                    link.connection().attach(owner);
                } else if (!link.connection().isUsable()) {
                    leases.lost(link);
                } else {
                    link.connection().attach(owner);
                    log.warn("{}: could not put startup settings back on {}: {}", session.id(), link, runs.get(i).cause().getMessage());
                }
            }
            next.run();
        });
    }
}
