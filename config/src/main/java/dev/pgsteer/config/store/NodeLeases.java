package dev.pgsteer.config.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Table {@code <schema>.nodes}: the lease of every pgsteer instance that records two-phase-commit
 * decisions in the store. Every transition is one short transaction judged by the store's clock, so
 * that instances whose clocks disagree still agree on whose lease is over. The protocol, and why a
 * takeover can never pass a decision being recorded, is described in proxy-core's {@code LeaseKeeper}.
 */
public final class NodeLeases {

    /** What a renewal found. */
    public enum Renewal {
        /** The lease runs for another {@code lease} from now. */
        RENEWED,
        /** Another instance ended it: this node id may record nothing more. */
        LOST
    }

    /** A node whose lease was ended, and how long ago (by the store's clock). */
    public record Ended(String node, Duration ago) {
    }

    private final StoreSchema schema;
    private final StoreTransactions transactions;

    NodeLeases(StoreSchema schema, StoreTransactions transactions) {
        this.schema = schema;
        this.transactions = transactions;
    }

    /** Takes a lease for {@code node}, a new id (false: the id is taken, pick another). */
    public boolean register(String node, Duration lease, String host) {
        return transactions.run("register pgsteer node " + node, c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("nodes")
                    + " (node, lease, host) VALUES (?, make_interval(secs => ?), ?) ON CONFLICT (node) DO NOTHING")) {
                st.setString(1, node);
                st.setDouble(2, seconds(lease));
                st.setString(3, host);
                return st.executeUpdate() == 1;
            }
        });
    }

    /**
     * Renews the lease from the store's now. Waits, on the row lock, for a decision being recorded or a
     * takeover being made; after a takeover it finds the node ended and answers {@link Renewal#LOST}.
     */
    public Renewal renew(String node, Duration lease) {
        return transactions.run("renew the lease of pgsteer node " + node, c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE " + schema.table("nodes")
                    + " SET heartbeat_at = now(), lease = make_interval(secs => ?) WHERE node = ? AND state = 'live'")) {
                st.setDouble(1, seconds(lease));
                st.setString(2, node);
                return st.executeUpdate() == 1 ? Renewal.RENEWED : Renewal.LOST;
            }
        });
    }

    /**
     * Ends the lease of every other live node whose heartbeat is older than its own lease, by the store's
     * clock; returns those it ended. The UPDATE takes each row's lock: it waits for a decision being
     * recorded under that node (which holds the row FOR SHARE) and then re-checks the row, so a decision
     * is either committed before the takeover (and seen by every resolver after it) or refused.
     */
    public List<String> takeOverExpired(String self) {
        return transactions.run("end expired leases", c -> {
            List<String> ended = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("UPDATE " + schema.table("nodes")
                    + " SET state = 'ended', ended_at = now(), ended_by = ? "
                    + "WHERE state = 'live' AND node <> ? AND heartbeat_at + lease < now() RETURNING node")) {
                st.setString(1, self);
                st.setString(2, self);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        ended.add(rs.getString(1));
                    }
                }
            }
            return ended;
        });
    }

    /** Every ended node still kept (its prepared transactions may not all be resolved yet). */
    public List<Ended> ended() {
        return transactions.run("list ended pgsteer nodes", c -> {
            List<Ended> ended = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT node, extract(epoch FROM now() - ended_at) FROM "
                    + schema.table("nodes") + " WHERE state = 'ended' ORDER BY ended_at");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ended.add(new Ended(rs.getString(1), Duration.ofMillis(Math.max(0, Math.round(rs.getDouble(2) * 1000)))));
                }
            }
            return ended;
        });
    }

    /** Deletes an ended node and what decisions it still has: called once none of its transactions is left prepared. */
    public void forget(String node) {
        transactions.run("forget pgsteer node " + node, c -> {
            try (PreparedStatement st = c.prepareStatement("DELETE FROM " + schema.table("nodes")
                    + " WHERE node = ? AND state = 'ended'")) {
                st.setString(1, node);
                st.executeUpdate();
            }
            return null;
        });
    }

    /** Locks {@code node}'s row FOR SHARE if its lease is live, in the caller's transaction; throws when it is not. */
    void holdLive(Connection c, String node) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM " + schema.table("nodes")
                + " WHERE node = ? AND state = 'live' FOR SHARE")) {
            st.setString(1, node);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new LeaseLostException(node);
                }
            }
        }
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
