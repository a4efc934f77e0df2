package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.store.DecisionTable.Decision;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nodes' leases and the decisions in a real PostgreSQL: the store side of the takeover protocol
 * (proxy-core's LeaseKeeper). The two races are played with a second connection that holds the row
 * lock the way the other party's transaction would, so each ordering is forced, not hoped for.
 */
class DecisionStoreIT {
    private static final Duration LEASE = Duration.ofMillis(600);
    private static EmbeddedPostgres postgres;
    private static int schemas;

    private PostgresMetadataStore store;
    private NodeLeases leases;
    private DecisionTable decisions;
    private String schema;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void open() {
        schema = "decisions_" + (++schemas);
        store = PostgresMetadataStore.open(new MetadataStoreConfig(
                BackendUrl.parse("postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/postgres"), schema), TenantDirectory.EMPTY);
        DecisionStore both = store.decisionStore().orElseThrow();
        leases = both.leases();
        decisions = both.decisions();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aLiveNodeRecordsItsDecisionsAndRemovesThemWhenDone() {
        assertTrue(leases.register("a1", LEASE, "host"));
        assertFalse(leases.register("a1", LEASE, "host"), "an id is taken once");

        decisions.record("a1", List.of(new Decision("pgsteer_a1_1", List.of("s0", "s1")), new Decision("pgsteer_a1_2", List.of("s1", "s2"))));

        assertEquals(Set.of("pgsteer_a1_1", "pgsteer_a1_2"), decisions.decided(List.of("pgsteer_a1_1", "pgsteer_a1_2", "pgsteer_a1_3")));
        decisions.remove(List.of("pgsteer_a1_1"));
        assertEquals(Set.of("pgsteer_a1_2"), decisions.decided(List.of("pgsteer_a1_1", "pgsteer_a1_2")));
    }

    @Test
    void aLeaseEndsOnlyOnceItsHeartbeatIsOlderThanTheLease() throws Exception {
        leases.register("a1", LEASE, null);
        leases.register("b1", LEASE, null);

        assertEquals(List.of(), leases.takeOverExpired("b1"), "a1 renewed just now");
        for (int i = 0; i < 4; i++) {
            Thread.sleep(LEASE.toMillis() / 3);
            assertEquals(NodeLeases.Renewal.RENEWED, leases.renew("a1", LEASE));
            assertEquals(List.of(), leases.takeOverExpired("b1"), "a1 keeps renewing");
        }
        Thread.sleep(LEASE.toMillis() + 200);

        leases.renew("b1", LEASE);
        assertEquals(List.of(), leases.takeOverExpired("a1"), "never its own lease (and b1 renewed)");
        List<String> ended = leases.takeOverExpired("b1");
        assertEquals(List.of("a1"), ended);
        assertEquals(List.of(), leases.takeOverExpired("b1"), "ended once");

        assertEquals(NodeLeases.Renewal.LOST, leases.renew("a1", LEASE), "a renewal cannot revive an ended node");
        assertThrows(LeaseLostException.class,
                () -> decisions.record("a1", List.of(new Decision("pgsteer_a1_9", List.of("s0", "s1")))));
        assertEquals(Set.of(), decisions.decided(List.of("pgsteer_a1_9")), "nothing recorded after the end");
        assertEquals(List.of("a1"), leases.ended().stream().map(NodeLeases.Ended::node).toList());
    }

    @Test
    void aDecisionBeingRecordedHoldsOffTheTakeoverWhichThenSeesIt() throws Exception {
        leases.register("a1", LEASE, null);
        leases.register("b1", Duration.ofMinutes(1), null);
        Thread.sleep(LEASE.toMillis() + 200);
        try (Connection owner = direct()) {
            // The owner's decision transaction, as DecisionTable.record runs it, not yet committed.
            owner.setAutoCommit(false);
            leases.holdLive(owner, "a1");
            try (PreparedStatement st = owner.prepareStatement("INSERT INTO " + schema + ".decisions (gid, node, shards) "
                    + "VALUES ('pgsteer_a1_7', 'a1', '{s0,s1}')")) {
                st.executeUpdate();
            }
            CompletableFuture<List<String>> takeover = CompletableFuture.supplyAsync(() -> leases.takeOverExpired("b1"));
            assertThrows(TimeoutException.class, () -> takeover.get(500, TimeUnit.MILLISECONDS), "the takeover waits for the row");

            owner.commit();

            assertEquals(List.of("a1"), takeover.get(5, TimeUnit.SECONDS), "then ends the lease");
        }
        assertEquals(Set.of("pgsteer_a1_7"), decisions.decided(List.of("pgsteer_a1_7")), "and its resolvers see the decision");
    }

    @Test
    void aTakeoverFirstMakesTheOwnersDecisionFailAndRecordNothing() throws Exception {
        leases.register("a1", LEASE, null);
        Thread.sleep(LEASE.toMillis() + 200);
        try (Connection other = direct()) {
            // Another instance's takeover, as NodeLeases.takeOverExpired runs it, not yet committed.
            other.setAutoCommit(false);
            try (PreparedStatement st = other.prepareStatement("UPDATE " + schema + ".nodes SET state = 'ended', ended_at = now(), "
                    + "ended_by = 'b1' WHERE node = 'a1' AND state = 'live' AND heartbeat_at + lease < now()")) {
                assertEquals(1, st.executeUpdate());
            }
            CompletableFuture<Void> decision = CompletableFuture.runAsync(
                    () -> decisions.record("a1", List.of(new Decision("pgsteer_a1_8", List.of("s0", "s1")))));
            assertThrows(TimeoutException.class, () -> decision.get(500, TimeUnit.MILLISECONDS), "the decision waits for the row");

            other.commit();

            ExecutionException refused = assertThrows(ExecutionException.class, () -> decision.get(5, TimeUnit.SECONDS));
            assertTrue(refused.getCause() instanceof LeaseLostException, String.valueOf(refused.getCause()));
        }
        assertEquals(Set.of(), decisions.decided(List.of("pgsteer_a1_8")));
    }

    @Test
    void settlingKeepsACommitAndMakesEverythingElseAnAbortForGood() {
        leases.register("a1", LEASE, null);
        decisions.record("a1", List.of(new Decision("pgsteer_a1_1", List.of("s0", "s1"))));

        assertEquals(Set.of("pgsteer_a1_1"), decisions.settle("a1", List.of("pgsteer_a1_1", "pgsteer_a1_2")));

        assertEquals(Set.of("pgsteer_a1_1"), decisions.decided(List.of("pgsteer_a1_1", "pgsteer_a1_2")), "an abort is no commit");
        assertThrows(MetadataStoreException.class,
                () -> decisions.record("a1", List.of(new Decision("pgsteer_a1_2", List.of("s0", "s1")))),
                "a commit cannot follow an abort");
        assertEquals(Set.of(), decisions.settle("a1", List.of("pgsteer_a1_2")), "settled once, settled for good");
    }

    @Test
    void settlingWaitsForACommitStillInFlightAndKeepsIt() throws Exception {
        leases.register("a1", LEASE, null);
        try (Connection owner = direct()) {
            // The owner's decision transaction, its COMMIT not yet done (as when the owner lost its connection).
            owner.setAutoCommit(false);
            leases.holdLive(owner, "a1");
            try (PreparedStatement st = owner.prepareStatement("INSERT INTO " + schema + ".decisions (gid, node, shards) "
                    + "VALUES ('pgsteer_a1_5', 'a1', '{s0,s1}')")) {
                st.executeUpdate();
            }
            CompletableFuture<Set<String>> settled = CompletableFuture.supplyAsync(() -> decisions.settle("a1", List.of("pgsteer_a1_5")));
            assertThrows(TimeoutException.class, () -> settled.get(500, TimeUnit.MILLISECONDS), "the settling waits for the key");

            owner.commit();

            assertEquals(Set.of("pgsteer_a1_5"), settled.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void aForgottenNodeTakesItsDecisionsWithIt() throws Exception {
        leases.register("a1", LEASE, null);
        decisions.record("a1", List.of(new Decision("pgsteer_a1_1", List.of("s0", "s1"))));
        leases.forget("a1");
        assertEquals(Set.of("pgsteer_a1_1"), decisions.decided(List.of("pgsteer_a1_1")), "a live node is never forgotten");

        Thread.sleep(LEASE.toMillis() + 200);
        leases.register("b1", LEASE, null);
        leases.takeOverExpired("b1");
        leases.forget("a1");

        assertEquals(Set.of(), decisions.decided(List.of("pgsteer_a1_1")));
        assertEquals(List.of(), leases.ended());
    }

    private static Connection direct() throws SQLException {
        return postgres.getPostgresDatabase().getConnection();
    }
}
