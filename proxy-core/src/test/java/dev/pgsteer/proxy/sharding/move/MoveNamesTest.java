package dev.pgsteer.proxy.sharding.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MoveNamesTest {
    private final MoveNames names = new MoveNames(7, List.of("orders", "items"), List.of("customer_id", "cid"), "integer", 12, 5);

    @Test
    void thePublicationFiltersTheBucketOfEachTableByItsOwnKeyAndCarriesTheBarrierMarker() {
        assertEquals("CREATE PUBLICATION pgsteer_move_7 FOR TABLE \"orders\" WHERE (satisfies_hash_partition("
                + "'pgsteer_move_7_hash'::regclass, 12, 5, \"customer_id\")), \"items\" WHERE (satisfies_hash_partition("
                + "'pgsteer_move_7_hash'::regclass, 12, 5, \"cid\")), pgsteer_move_7_mark", names.createPublication());
        assertEquals("CREATE TABLE IF NOT EXISTS pgsteer_move_7_mark (token text PRIMARY KEY)", names.createMarker());
        assertEquals("CREATE TABLE IF NOT EXISTS pgsteer_move_7_hash (k integer) PARTITION BY HASH (k)", names.createTemplate());
    }

    @Test
    void theFenceRefusesWritesOfTheBucketOnlyAndLetsTheCleanupThrough() {
        List<String> fence = names.createFence(1);
        assertTrue(fence.get(0).contains("current_setting('pgsteer.move_fence', true) = 'off'"), fence.get(0));
        assertTrue(fence.get(0).contains("NEW.\"cid\")") && fence.get(0).contains("OLD.\"cid\")"), fence.get(0));
        assertTrue(fence.get(0).contains("ERRCODE = '40001'"), fence.get(0));
        assertEquals("CREATE TRIGGER pgsteer_move_7_fence BEFORE INSERT OR UPDATE OR DELETE ON \"items\" FOR EACH ROW EXECUTE "
                + "FUNCTION pgsteer_move_7_fence_1()", fence.get(1));
        assertEquals("SET pgsteer.move_fence = 'off'", MoveNames.FENCE_OFF);
    }

    @Test
    void deletesGoInBatchesOfTheBucketsRows() {
        assertEquals("DELETE FROM \"orders\" WHERE ctid = ANY (ARRAY(SELECT ctid FROM \"orders\" WHERE satisfies_hash_partition("
                + "'pgsteer_move_7_hash'::regclass, 12, 5, \"customer_id\") LIMIT 500))", names.deleteBatch(0, 500));
    }

    @Test
    void phasesSayWhetherTheMoveCanStillRollBack() {
        assertEquals(List.of(MovePhase.FLIPPED, MovePhase.CLEANING, MovePhase.DONE),
                List.of(MovePhase.values()).stream().filter(MovePhase::flipped).toList());
        assertEquals(MovePhase.CATCHING_UP, MovePhase.of("catching_up"));
        assertEquals("catching_up", MovePhase.CATCHING_UP.label());
    }
}
