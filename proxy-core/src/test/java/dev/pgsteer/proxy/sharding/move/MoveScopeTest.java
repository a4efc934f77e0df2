package dev.pgsteer.proxy.sharding.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.store.MoveRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SQL of a key's and a schema's move, and which scope a store row is. */
class MoveScopeTest {
    private final KeyScope key = new KeyScope(8, List.of("projects", "tasks"), List.of("tenant_id", "tid"), "text", "o'hara");
    private final SchemaScope schema = new SchemaScope(9, "beta", List.of("notes", "tags"));

    @Test
    void aKeysPublicationFiltersEachTableByItsOwnKeyColumnInTheKeysType() {
        assertEquals("CREATE PUBLICATION pgsteer_move_8 FOR TABLE \"projects\" WHERE (\"tenant_id\" = 'o''hara'::text), \"tasks\""
                + " WHERE (\"tid\" = 'o''hara'::text), pgsteer_move_8_mark", key.createPublication());
        assertEquals("SELECT count(*) FROM \"tasks\" WHERE \"tid\" = 'o''hara'::text", key.count(1));
        assertEquals("DELETE FROM \"projects\" WHERE ctid = ANY (ARRAY(SELECT ctid FROM \"projects\" WHERE \"tenant_id\" = 'o''hara'::text"
                + " LIMIT 1000))", key.deleteBatch(0, 1000));
        assertTrue(key.checksum(0).endsWith("FROM \"projects\" t WHERE t.\"tenant_id\" = 'o''hara'::text"), key.checksum(0));
    }

    @Test
    void aKeysFenceRefusesWritesOfThatKeyOnly() {
        List<String> fence = key.createFence(1);
        assertTrue(fence.get(0).contains("(TG_OP <> 'DELETE' AND NEW.\"tid\" = 'o''hara'::text)")
                && fence.get(0).contains("(TG_OP <> 'INSERT' AND OLD.\"tid\" = 'o''hara'::text)"), fence.get(0));
        assertTrue(fence.get(0).contains("ERRCODE = '40001'") && fence.get(0).contains("pgsteer.move_fence"), fence.get(0));
        assertEquals("CREATE TRIGGER pgsteer_move_8_fence BEFORE INSERT OR UPDATE OR DELETE ON \"tasks\" FOR EACH ROW EXECUTE FUNCTION "
                + "pgsteer_move_8_fence_1()", fence.get(1));
        assertEquals(List.of("DROP TRIGGER IF EXISTS pgsteer_move_8_fence ON \"tasks\"", "DROP TRIGGER IF EXISTS pgsteer_move_8_fence_t ON"
                + " \"tasks\"", "DROP FUNCTION IF EXISTS pgsteer_move_8_fence_1()"), key.dropFence(1));
    }

    @Test
    void aSchemasMovePublishesEachOfItsTablesWholeAndDropsTheSchemaAfter() {
        assertEquals("CREATE PUBLICATION pgsteer_move_9 FOR TABLE \"beta\".\"notes\", \"beta\".\"tags\"", schema.createPublication());
        assertEquals("SELECT count(*) FROM \"beta\".\"tags\"", schema.count(1));
        assertEquals("DROP SCHEMA IF EXISTS \"beta\" CASCADE", schema.dropSchema());
        assertTrue(schema.createFence(0).get(0).contains("(TG_OP <> 'DELETE' AND true)"), schema.createFence(0).get(0));
        assertTrue(schema.tableList().contains("n.nspname = 'beta'"), schema.tableList());
    }

    @Test
    void aDatabasesMovePublishesEveryTableOfEverySchemaWholeAndDropsTheDatabaseAfter() {
        DatabaseScope database = DatabaseScope.of(4, DatabaseScope.keys("initech", List.of("\"extra\".\"events\"", "\"public\".\"notes\"")));
        assertEquals(List.of("initech", "\"extra\".\"events\"", "\"public\".\"notes\""), DatabaseScope.keys(database.database(),
                database.tables()));
        assertEquals("CREATE PUBLICATION pgsteer_move_4 FOR TABLE \"extra\".\"events\", \"public\".\"notes\"",
                database.createPublication());
        assertEquals("SELECT count(*) FROM \"public\".\"notes\"", database.count(1));
        assertEquals("DROP DATABASE IF EXISTS \"initech\" WITH (FORCE)", database.dropDatabase());
        assertTrue(database.createFence(0).get(0).contains("(TG_OP <> 'DELETE' AND true)"), database.createFence(0).get(0));
        assertTrue(database.createFence(0).get(1).contains("ON \"extra\".\"events\""), database.createFence(0).get(1));
        assertFalse(database.marks(), "the barrier waits for the slot: the move's login owns no table in the tenant's database");
    }

    @Test
    void aStoreRowIsTheScopeOfItsKind() {
        MoveRecord tenant = MoveRecord.draftOf("tenant", "saas", List.of("projects"), List.of("tenant_id"), "acme", "acme", null, "s0", "s2");
        MoveRecord schemaTenant = MoveRecord.draftOf("tenant", "saas", List.of("tenant:beta"), List.of("notes"), "beta", null, "beta", "s0",
                "s1");
        assertInstanceOf(KeyScope.class, MoveScope.of(tenant));
        assertInstanceOf(SchemaScope.class, MoveScope.of(schemaTenant));
        assertEquals(List.of("notes"), MoveScope.of(schemaTenant).tables());
        assertEquals("tenant acme (key 'acme' of projects)", tenant.what());
        assertEquals("tenant beta (schema beta)", schemaTenant.what());
        MoveRecord databaseTenant = MoveRecord.draftOf("tenant", "saas", List.of("tenant:initech"), List.of("initech_db"), "initech",
                null, null, "s0", "s1");
        DatabaseScope checking = assertInstanceOf(DatabaseScope.class, MoveScope.of(databaseTenant));
        assertEquals("initech_db", checking.database());
        assertEquals(List.of(), checking.tables(), "its tables are read at checking");
        assertEquals("tenant initech (database initech_db)", databaseTenant.what());
        assertEquals("key 'k' of events", MoveRecord.draftOf("key", "shop", List.of("events"), List.of("device"), null, "k", null, "s0",
                "s1").what());
    }
}
