package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The store's names as SQL sees them: quoted, never spliced raw. */
class StoreSchemaTest {

    @Test
    void namesAreQuotedIdentifiers() {
        StoreSchema schema = new StoreSchema("pgsteer");

        assertEquals("\"pgsteer\"", schema.quoted());
        assertEquals("\"pgsteer\".tenants", schema.table("tenants"));
        assertEquals("\"Odd \"\"name\"\"; DROP\"", new StoreSchema("Odd \"name\"; DROP").quoted());
    }

    @Test
    void eachSchemaHasItsOwnChannel() {
        assertEquals("pgsteer_tenants", new StoreSchema("pgsteer").channel());
        assertEquals("Control_tenants", new StoreSchema("Control").channel());
    }

    @Test
    void aLongSchemaGetsAChannelPostgreSQLAccepts() {
        String name = "s".repeat(60);
        String channel = new StoreSchema(name).channel();

        assertTrue(channel.getBytes(StandardCharsets.UTF_8).length <= 63, channel);
        assertTrue(channel.startsWith("pgsteer_tenants_"), channel);
        assertEquals(channel, new StoreSchema(name).channel(), "every instance derives the same one");
    }

    @Test
    void unusableNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StoreSchema(""));
        assertThrows(IllegalArgumentException.class, () -> new StoreSchema("a\0b"));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> new StoreSchema("é".repeat(32)));
        assertEquals("'" + "é".repeat(32) + "' cannot be the metadata store's schema: use 1 to 63 bytes, like pgsteer",
                tooLong.getMessage());
    }
}
