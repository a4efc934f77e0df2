package dev.pgsteer.proxy.sharding.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class GidTest {

    @Test
    void aGidNamesItsNodeAndEachShardGetsItsOwnName() {
        Gid gid = new Gid("3f9a0c1d", "k2j1");
        assertEquals("pgsteer_3f9a0c1d_k2j1", gid.text());
        assertEquals("pgsteer_3f9a0c1d_k2j1@s1", gid.onShard("s1"));
        assertEquals("'pgsteer_3f9a0c1d_k2j1@o''neil'", TwoPhaseCommit.shardGid(gid, "o'neil"));
    }

    @Test
    void namesReadBackWithOrWithoutTheirShard() {
        assertEquals(Optional.of(new Gid("3f9a0c1d", "k2j1")), Gid.parse("pgsteer_3f9a0c1d_k2j1@s1"));
        assertEquals(Optional.of(new Gid("3f9a0c1d", "k2j1")), Gid.parse("pgsteer_3f9a0c1d_k2j1"));
        assertEquals(Optional.of(new Gid("3f9a0c1d", "k2j1")), Gid.parse("pgsteer_3f9a0c1d_k2j1@shard_with_underscores"));
    }

    @Test
    void otherPreparedTransactionsAreNotPgsteers() {
        assertEquals(Optional.empty(), Gid.parse("my_app_tx_1"));
        assertEquals(Optional.empty(), Gid.parse("pgsteer_"));
        assertEquals(Optional.empty(), Gid.parse("pgsteer_node"));
        assertEquals(Optional.empty(), Gid.parse("pgsteer_no-de_1"));
        assertEquals(Optional.empty(), Gid.parse("pgsteer__1"));
    }

    @Test
    void aNodeIdIsLettersAndDigits() {
        assertThrows(IllegalArgumentException.class, () -> new Gid("a_b", "1"));
        assertThrows(IllegalArgumentException.class, () -> new Gid("", "1"));
        assertThrows(IllegalArgumentException.class, () -> new Gid("ab", "1@s"));
    }
}
