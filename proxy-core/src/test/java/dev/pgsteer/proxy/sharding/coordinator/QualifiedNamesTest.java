package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A shadowed table named with its schema is read as pg_temp.t on the coordinator, token by token:
 * orders lives in public, "Odd" in "My Schema" (as the catalog spells them).
 */
class QualifiedNamesTest {
    static final Map<String, String> SCHEMAS = Map.of("orders", "public", "Odd", "My Schema");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            SELECT count(DISTINCT status) FROM orders                          | SELECT count(DISTINCT status) FROM orders
            SELECT count(DISTINCT status) FROM public.orders                   | SELECT count(DISTINCT status) FROM pg_temp.orders
            SELECT count(*) FROM PUBLIC . Orders o WHERE o.id > 1              | SELECT count(*) FROM pg_temp.Orders o WHERE o.id > 1
            SELECT public.orders.id FROM "public"."orders"                     | SELECT pg_temp.orders.id FROM pg_temp."orders"
            SELECT 1 FROM "My Schema"."Odd", public.orders                     | SELECT 1 FROM pg_temp."Odd", pg_temp.orders
            SELECT 'public.orders', x FROM orders -- public.orders             | SELECT 'public.orders', x FROM orders -- public.orders
            SELECT "public.orders" FROM orders                                 | SELECT "public.orders" FROM orders
            SELECT public.orders(1) FROM orders                                | SELECT public.orders(1) FROM orders
            SELECT 'é', count(*) FROM public.orders WHERE name = 'ü'           | SELECT 'é', count(*) FROM pg_temp.orders WHERE name = 'ü'
            SELECT o.items FROM orders o                                       | SELECT o.items FROM orders o
            """)
    void theSchemaTheTableLivesInIsReadAsPgTemp(String sql, String expected) {
        assertEquals(new QualifiedNames.Rewritten(expected), QualifiedNames.rewrite(sql, SCHEMAS));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT o.orders FROM orders o                                      | o.orders as that table: the table lives in schema public
            SELECT count(*) FROM other.orders                                  | other.orders as that table
            SELECT count(*) FROM appdb.public.orders                           | a name of three parts or a cast
            SELECT x::public.orders FROM orders                                | a name of three parts or a cast
            SELECT 1 FROM "my schema"."Odd"                                    | the table lives in schema My Schema
            """)
    void whatCannotBeExactIsRefused(String sql, String reason) {
        QualifiedNames.Refused refused = assertInstanceOf(QualifiedNames.Refused.class, QualifiedNames.rewrite(sql, SCHEMAS));
        assertTrue(refused.reason().contains(reason), refused.reason());
    }
}
