package dev.pgsteer.config.store;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Table {@code <schema>.decisions}: the commit decisions of two-phase commits, one row per transaction,
 * written before its first COMMIT PREPARED and deleted once every shard committed it.
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

    /** Which of {@code gids} have a decision recorded. */
    public Set<String> decided(Collection<String> gids) {
        if (gids.isEmpty()) {
            return Set.of();
        }
        return transactions.run("read two-phase-commit decisions", c -> {
            Set<String> decided = new HashSet<>();
            Array array = c.createArrayOf("text", gids.toArray());
            try (PreparedStatement st = c.prepareStatement("SELECT gid FROM " + schema.table("decisions") + " WHERE gid = ANY (?)")) {
                st.setArray(1, array);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        decided.add(rs.getString(1));
                    }
                }
            }
            return decided;
        });
    }

    /** Deletes the decisions of transactions that every shard committed. */
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
