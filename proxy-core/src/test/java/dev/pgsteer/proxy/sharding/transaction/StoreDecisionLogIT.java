package dev.pgsteer.proxy.sharding.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.store.DecisionStore;
import dev.pgsteer.config.store.PostgresMetadataStore;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.ProxyConfigs;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The decisions of one instance in a real metadata store: recorded in groups, refused once its lease
 * was ended (and a new lease taken), a failed write settled for good, an outcome left unknown, not
 * guessed, while the store cannot settle it, and refused when the store cannot be reached at all.
 */
class StoreDecisionLogIT {
    private static final Duration LEASE = Duration.ofSeconds(3);

    @Test
    void decisionsAreRecordedRefusedSettledOrLeftUnknownNeverGuessed() throws Exception {
        ExecutorService blocking = Executors.newFixedThreadPool(2);
        EmbeddedBackend meta = EmbeddedBackend.start();
        PostgresMetadataStore store = PostgresMetadataStore.open(
                new MetadataStoreConfig(BackendUrl.parse(meta.url()), "pgsteer", LEASE), TenantDirectory.EMPTY);
        ProxyConfig noShards = ProxyConfigs.inFrontOf(meta.url(), "appdb: { shards: [main] }");
        DecisionStore decisionStore = store.decisionStore().orElseThrow();
        LeaseKeeper keeper = LeaseKeeper.start(decisionStore, LEASE, blocking, () -> noShards, "test store");
        boolean metaStopped = false;
        try {
            StoreDecisionLog log = keeper.decisions();
            String node = log.node();
            assertTrue(log.unavailable().isEmpty());

            List<CompletableFuture<Void>> many = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                many.add(log.commit(new Gid(node, "g" + i), List.of("s0", "s1")));
            }
            CompletableFuture.allOf(many.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertEquals(50, count(meta, "SELECT count(*) FROM pgsteer.decisions WHERE outcome = 'commit'"));

            Gid again = new Gid(node, "g0");
            log.commit(again, List.of("s0", "s1")).get(5, TimeUnit.SECONDS);   // the write fails (a duplicate); settling finds the commit

            Gid aborted = new Gid(node, "x1");
            assertEquals(Set.of(), log.settle(List.of(aborted)));
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> log.commit(aborted, List.of("s0", "s1")).get(5, TimeUnit.SECONDS));
            assertInstanceOf(DecisionFailure.Refused.class, refused.getCause(), "an abort settled first stays");
            assertEquals(Set.of(again), log.decided(List.of(again, aborted)));

            try (Connection c = meta.direct(); Statement s = c.createStatement()) {
                s.execute("UPDATE pgsteer.nodes SET state = 'ended', ended_by = 'other' WHERE node = '" + node + "'");
            }
            ExecutionException lost = assertThrows(ExecutionException.class,
                    () -> log.commit(new Gid(node, "late"), List.of("s0", "s1")).get(5, TimeUnit.SECONDS));
            assertInstanceOf(DecisionFailure.Refused.class, lost.getCause(), lost.getCause().toString());
            assertTrue(log.unavailable().orElseThrow().contains("ended by another instance"));
            assertEquals(0, count(meta, "SELECT count(*) FROM pgsteer.decisions WHERE gid = 'pgsteer_" + node + "_late'"));

            keeper.beat();
            assertNotEquals(node, log.node(), "a new lease under a new node id");
            assertTrue(log.unavailable().isEmpty());

            // A write that fails inside its transaction, and a settling that fails too: a trigger refuses both.
            Gid unknown = new Gid(log.node(), "u1");
            try (Connection c = meta.direct(); Statement s = c.createStatement()) {
                s.execute("""
                        CREATE FUNCTION pgsteer.refuse() RETURNS trigger LANGUAGE plpgsql AS
                        $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
                        CREATE TRIGGER refuse BEFORE INSERT ON pgsteer.decisions FOR EACH ROW
                        WHEN (NEW.gid = '%s') EXECUTE FUNCTION pgsteer.refuse();
                        """.formatted(unknown.text()));
            }
            ExecutionException inDoubt = assertThrows(ExecutionException.class,
                    () -> log.commit(unknown, List.of("s0", "s1")).get(10, TimeUnit.SECONDS));
            assertInstanceOf(DecisionFailure.Unknown.class, inDoubt.getCause(), "neither commit nor abort is guessed");
            assertEquals(Set.of(unknown), log.unfinished(), "left for a later beat to settle");
            keeper.takeOver();
            assertEquals(Set.of(), log.unfinished(), "nothing of it prepared on any shard: finished");

            meta.close();
            metaStopped = true;
            // A pooled connection that dies while the decision is sent may have sent it: Unknown, never
            // guessed. Once the pool holds no live connection, nothing is sent: Refused, it rolls back.
            Throwable cause = null;
            for (int attempt = 1; attempt <= 5 && !(cause instanceof DecisionFailure.Refused); attempt++) {
                int n = attempt;
                ExecutionException down = assertThrows(ExecutionException.class,
                        () -> log.commit(new Gid(log.node(), "d" + n), List.of("s0", "s1")).get(30, TimeUnit.SECONDS));
                cause = down.getCause();
                assertTrue(cause instanceof DecisionFailure.Refused || cause instanceof DecisionFailure.Unknown, cause.toString());
            }
            assertInstanceOf(DecisionFailure.Refused.class, cause, "no connection: nothing was sent, it rolls back");
        } finally {
            keeper.close();
            store.close();
            blocking.shutdownNow();
            if (!metaStopped) {
                meta.close();
            }
        }
    }

    private static int count(EmbeddedBackend meta, String query) throws Exception {
        try (Connection c = meta.direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
