package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The migration files as the build ships them; applying them is PostgresMetadataStoreIT's. */
class MigrationsTest {

    @Test
    void migrationsAreNumberedFromOneWithoutGaps() {
        List<Migrations.Migration> all = new Migrations(new StoreSchema("pgsteer")).all();

        assertEquals(Migrations.FILES.size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + 1, all.get(i).version());
        }
        assertEquals("tenants", all.getFirst().description());
        assertEquals("two phase commit", all.get(1).description());
        assertEquals("bucket maps", all.get(2).description());
    }

    @Test
    void theSchemaIsSubstitutedQuoted() {
        for (Migrations.Migration m : new Migrations(new StoreSchema("My Schema")).all()) {
            assertFalse(m.sql().contains("${"), m.sql());
            // Every object a migration names is the schema's (V7 only changes an index of V6's table).
            assertTrue(m.sql().contains("\"My Schema\".moves") || m.sql().contains("CREATE TABLE \"My Schema\"."), m.sql());
        }
    }
}
