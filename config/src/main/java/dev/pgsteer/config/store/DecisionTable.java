package dev.pgsteer.config.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Table {@code <schema>.decisions}: the decisions of two-phase commits, one row per transaction: a
 * 'commit' written before its first COMMIT PREPARED and deleted once every shard committed it, or an
 * 'abort' written when the owner could not tell whether its 'commit' was recorded ({@link #settle}).
 */
public final class DecisionTable {

    /** A transaction that commits on {@code shards}. */
    public record Decision(String gid, List<String> shards) {
    }

    private final StoreSchema schema;
    private final StoreTransactions transactions;
    private final NodeLeases leases;

    DecisionTable(StoreSchema schema, StoreTransactions transactions, NodeLeases leases) {
        this.schema = schema;
        this.transactions = transactions;
        this.leases = leases;
    }

    /**
     * Records {@code decisions} of {@code node} in one transaction, committed synchronously, while the
     * node's row is held FOR SHARE: throws {@link LeaseLostException}, recording nothing, when the
     * node's lease was ended; {@link MetadataStoreException} when the store failed (nothing recorded either).
     */
    public void record(String node, List<Decision> decisions) {
        transactions.run("record " + decisions.size() + " two-phase-commit decision(s)", c -> {
            try (Statement st = c.createStatement()) {
                // Durable at COMMIT whatever the role or database says: the decision is what a crash must not lose.
                st.execute("SET LOCAL synchronous_commit = on");
            }
            leases.holdLive(c, node);
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("decisions")
                    + " (gid, node, shards) VALUES (?, ?, ?)")) {
                for (Decision d : decisions) {
                    st.setString(1, d.gid());
                    st.setString(2, node);
                    st.setArray(3, c.createArrayOf("text", d.shards().toArray()));
                    st.addBatch();
                }
                st.executeBatch();
            }
            return null;
        });
    }

    /**
     * Settles {@code gids} of {@code node} for good, after a {@link #record} whose outcome is unknown (the
     * store failed, perhaps after its COMMIT was sent): an 'abort' row is inserted for each that has no
     * row. The primary key orders this against a 'commit' insert still in flight (the insert waits for
     * it), so the answer is final: returns those that commit; every other one is aborted and stays so.
     */
    public Set<String> settle(String node, Collection<String> gids) {
        if (gids.isEmpty()) {
            return Set.of();
        }
        return transactions.run("settle " + gids.size() + " two-phase-commit decision(s)", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit = on");
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("decisions")
                    + " (gid, node, outcome, shards) SELECT g, ?, 'abort', '{}' FROM unnest(?::text[]) AS g ON CONFLICT (gid) DO NOTHING")) {
                st.setString(1, node);
                st.setArray(2, c.createArrayOf("text", gids.toArray()));
                st.executeUpdate();
            }
            return committed(c, gids);
        });
    }

    /** Which of {@code gids} have a commit decision recorded. */
    public Set<String> decided(Collection<String> gids) {
        if (gids.isEmpty()) {
            return Set.of();
        }
        return transactions.run("read two-phase-commit decisions", c -> committed(c, gids));
    }

    private Set<String> committed(Connection c, Collection<String> gids) throws SQLException {
        Set<String> decided = new HashSet<>();
        Array array = c.createArrayOf("text", gids.toArray());
        try (PreparedStatement st = c.prepareStatement("SELECT gid FROM " + schema.table("decisions")
                + " WHERE gid = ANY (?) AND outcome = 'commit'")) {
            st.setArray(1, array);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    decided.add(rs.getString(1));
                }
            }
        }
        return decided;
    }

    /** Deletes the decisions of transactions that every shard finished. */
    public void remove(Collection<String> gids) {
        if (gids.isEmpty()) {
            return;
        }
        transactions.run("remove " + gids.size() + " finished two-phase-commit decision(s)", c -> {
            try (PreparedStatement st = c.prepareStatement("DELETE FROM " + schema.table("decisions") + " WHERE gid = ANY (?)")) {
                st.setArray(1, c.createArrayOf("text", new ArrayList<>(gids).toArray()));
                st.executeUpdate();
            }
            return null;
        });
    }
}
