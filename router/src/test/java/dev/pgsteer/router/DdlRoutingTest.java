package dev.pgsteer.router;

import static dev.pgsteer.router.RoutingFixture.assertRoute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DDL as a table: on a table of the shard map every shard runs it, the default one first, and the
 * client sees one answer (MIRROR); on an unsharded table the default shard alone.
 */
class DdlRoutingTest {
    final ShardRouter router = RoutingFixture.router();

    Route route(String sql) throws RoutingException {
        return RoutingFixture.route(router, sql);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            CREATE TABLE orders (id bigint, customer_id bigint)                          | s0 s1 s2 | MIRROR | DDL on orders
            CREATE INDEX ON orders (status)                                              | s0 s1 s2 | MIRROR | DDL naming orders is applied to every shard
            DROP TABLE currencies                                                        | s0 s1 s2 | MIRROR | DDL on currencies
            CREATE TABLE settings (k text)                                               | s0       | ONE    | DDL on unsharded table settings
            TRUNCATE orders                                                              | s0 s1 s2 | MIRROR | DDL on orders
            DROP INDEX orders_status_idx                                                 | s0 s1 s2 | MIRROR | DROP INDEX: on every shard that has it
            CREATE TABLE orders (id bigint, customer_id bigint, UNIQUE (id, customer_id))                  | s0 s1 s2 | MIRROR | DDL on orders
            CREATE TABLE orders (id bigint, customer_id bigint, PRIMARY KEY (customer_id, id))             | s0 s1 s2 | MIRROR | DDL on orders
            CREATE TABLE orders (id bigint, customer_id bigint CONSTRAINT c UNIQUE)                        | s0 s1 s2 | MIRROR | DDL on orders
            CREATE TABLE IF NOT EXISTS public.orders (id bigint, "CUSTOMER_ID" bigint, UNIQUE (id, Customer_Id)) | s0 s1 s2 | MIRROR | DDL on orders
            CREATE TABLE customers (id bigint PRIMARY KEY, email text)                                     | s0 s1 s2 | MIRROR | DDL on customers
            CREATE TABLE orders (id bigint, customer_id bigint, UNIQUE NULLS NOT DISTINCT (customer_id, id)) | s0 s1 s2 | MIRROR | DDL naming orders is applied to every shard
            CREATE TABLE orders (id bigint, customer_id bigint, EXCLUDE USING gist (customer_id WITH =, id WITH <>)) | s0 s1 s2 | MIRROR | DDL naming orders is applied to every shard
            CREATE TABLE orders (id bigint, customer_id bigint, CHECK (id > 0), FOREIGN KEY (id) REFERENCES customers (id)) | s0 s1 s2 | MIRROR | DDL on orders
            ALTER TABLE orders ADD CONSTRAINT u UNIQUE (customer_id, id)                                   | s0 s1 s2 | MIRROR | DDL on orders
            ALTER TABLE orders ADD PRIMARY KEY (id, customer_id)                                           | s0 s1 s2 | MIRROR | DDL on orders
            ALTER TABLE orders ADD COLUMN code text, ADD UNIQUE (customer_id, code)                        | s0 s1 s2 | MIRROR | DDL on orders
            ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX orders_key_idx                          | s0 s1 s2 | MIRROR | DDL naming orders is applied to every shard
            CREATE UNIQUE INDEX orders_code ON orders (customer_id, code)                                  | s0 s1 s2 | MIRROR | DDL on orders
            CREATE UNIQUE INDEX orders_code ON orders (customer_id DESC, lower(code))                      | s0 s1 s2 | MIRROR | DDL on orders
            CREATE UNIQUE INDEX CONCURRENTLY ON orders USING btree (code, customer_id) INCLUDE (id) WHERE id > 0 | s0 s1 s2 | MIRROR | DDL naming orders is applied to every shard
            CREATE UNIQUE INDEX regions_name ON regions (region, name)                                     | s0 s1 s2 | MIRROR | DDL on regions
            CREATE TABLE currencies (code text PRIMARY KEY, name text UNIQUE)                              | s0 s1 s2 | MIRROR | DDL on currencies
            CREATE UNIQUE INDEX currencies_name ON currencies (name)                                       | s0 s1 s2 | MIRROR | DDL on currencies
            ALTER TABLE currencies ADD CONSTRAINT u UNIQUE (name)                                          | s0 s1 s2 | MIRROR | DDL on currencies
            CREATE TABLE settings (k text PRIMARY KEY, v text UNIQUE)                                      | s0       | ONE    | DDL on unsharded table settings
            CREATE UNIQUE INDEX settings_v ON settings (v)                                                 | s0       | ONE    | DDL on unsharded table settings
            """)
    void routes(String sql, String shards, Answer answer, String why) throws RoutingException {
        assertRoute(route(sql), shards, answer, StatementKind.DDL, "-", why);
    }

    /**
     * Each shard enforces a UNIQUE, PRIMARY KEY, EXCLUDE or unique index only among its own rows: without
     * the shard key, rows with one "unique" value could be committed on several shards. Refused, parsed by
     * JSQLParser or not.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            CREATE TABLE orders (id bigint UNIQUE, customer_id bigint)                                     | a UNIQUE constraint | orders | customer_id
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint)                                | a PRIMARY KEY       | orders | customer_id
            CREATE TABLE orders (id bigint NOT NULL CONSTRAINT orders_id UNIQUE, customer_id bigint)       | a UNIQUE constraint | orders | customer_id
            CREATE TABLE orders (id bigint, customer_id bigint, UNIQUE (id))                               | a UNIQUE constraint | orders | customer_id
            CREATE TABLE Orders (id bigint, customer_id bigint, CONSTRAINT pk PRIMARY KEY (id))            | a PRIMARY KEY       | orders | customer_id
            CREATE TABLE orders (id bigint, "Customer_Id" bigint, UNIQUE (id, "Customer_Id"))              | a UNIQUE constraint | orders | customer_id
            CREATE TABLE orders (id bigint, customer_id bigint, UNIQUE NULLS NOT DISTINCT (id))            | a UNIQUE constraint | orders | customer_id
            CREATE TABLE orders (id bigint, customer_id bigint, UNIQUE (id) INCLUDE (customer_id))         | a UNIQUE constraint | orders | customer_id
            CREATE TABLE orders (id bigint, customer_id bigint, EXCLUDE USING gist (id WITH =))            | an EXCLUDE constraint | orders | customer_id compared WITH =
            CREATE TABLE orders (id bigint, customer_id bigint, EXCLUDE USING gist (customer_id WITH <>))  | an EXCLUDE constraint | orders | customer_id compared WITH =
            CREATE TABLE customers (id bigint, email text UNIQUE)                                          | a UNIQUE constraint | customers | id
            ALTER TABLE orders ADD UNIQUE (id)                                                             | a UNIQUE constraint | orders | customer_id
            ALTER TABLE orders ADD CONSTRAINT u UNIQUE (id)                                                | a UNIQUE constraint | orders | customer_id
            ALTER TABLE IF EXISTS ONLY public.orders ADD CONSTRAINT p PRIMARY KEY (id)                     | a PRIMARY KEY       | orders | customer_id
            ALTER TABLE orders ADD PRIMARY KEY (id)                                                        | a PRIMARY KEY       | orders | customer_id
            ALTER TABLE orders ADD CONSTRAINT e EXCLUDE USING gist (id WITH =)                             | an EXCLUDE constraint | orders | customer_id compared WITH =
            ALTER TABLE orders ADD COLUMN code text UNIQUE                                                 | a UNIQUE constraint | orders | customer_id
            ALTER TABLE orders ADD code text PRIMARY KEY                                                   | a PRIMARY KEY       | orders | customer_id
            ALTER TABLE orders ADD COLUMN IF NOT EXISTS code text DEFAULT 'x' UNIQUE                       | a UNIQUE constraint | orders | customer_id
            ALTER TABLE orders ADD COLUMN code text, ADD UNIQUE (code)                                     | a UNIQUE constraint | orders | customer_id
            CREATE UNIQUE INDEX orders_id ON orders (id)                                                   | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX IF NOT EXISTS orders_id ON public.orders USING btree (id)                  | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX ON orders (id)                                                             | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX CONCURRENTLY orders_id ON orders (id)                                      | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX orders_id ON orders (id) WHERE customer_id > 0                             | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX orders_code ON orders (lower(code))                                        | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX orders_key ON orders ((customer_id + 0))                                   | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX orders_key ON orders (lower(customer_id::text))                            | a unique index      | orders | customer_id as a plain column
            CREATE UNIQUE INDEX regions_name ON regions (name)                                             | a unique index      | regions | region as a plain column
            """)
    void refusesUniquenessWithoutTheShardKey(String sql, String what, String table, String key) {
        RoutingException e = assertThrows(RoutingException.class, () -> route(sql));

        String bareKey = key.split(" ")[0];
        assertEquals("0A000", e.sqlState(), e.getMessage());
        assertEquals("cannot create " + what + " on sharded table " + table + " that does not include its shard key " + key
                + ": each shard enforces it only among its own rows, so rows with one value could be committed on several shards; include "
                + bareKey + " in it, or make " + table + " a reference table", e.getMessage());
    }

    @Test
    void aRoutingCommentStillSendsARefusedConstraintToTheShardItNames() throws RoutingException {
        assertRoute(route("/* shard=s1 */ CREATE UNIQUE INDEX orders_id ON orders (id)"),
                "s1", Answer.ONE, StatementKind.DDL, "-", "routing comment shard=s1");
    }

    @Test
    void dropIndexRunsWithIfExistsOffTheDefaultShard() throws RoutingException {
        Route route = route("DROP INDEX orders_status_idx");

        assertEquals(Set.of("s1", "s2"), route.textByShard().keySet());
        assertEquals("DROP INDEX IF EXISTS orders_status_idx", route.textByShard().get("s1"));
    }
}
