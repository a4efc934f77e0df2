package dev.pgsteer.router.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A schema-mode tenant {@code acme} of a database whose other tenants are {@code globex} and {@code initech}. */
class TenantGuardTest {
    private final TenantGuard guard = new TenantGuard(Set.of("search_path", "app.tenant_id"), Set.of("globex", "initech"), false);
    private final TenantGuard readOnly = new TenantGuard(Set.of("search_path"), Set.of(), true);

    @ParameterizedTest
    @ValueSource(strings = {
            "SET search_path = globex",
            "set SEARCH_PATH to globex, public",
            "SET SESSION search_path = globex",
            "SET LOCAL search_path = globex",
            "SET \"search_path\" = globex",
            "RESET search_path",
            "RESET ALL",
            "DISCARD ALL",
            "discard   all",
            "SET app.tenant_id = 'globex'",
            "SET app . tenant_id TO 'globex'",
            "SET \"app\".\"tenant_id\" TO 'globex'",
            "RESET app.tenant_id",
            "SET ROLE globex",
            "RESET ROLE",
            "SET role = 'globex'",
            "SET SESSION AUTHORIZATION globex",
            "RESET SESSION AUTHORIZATION",
            "SET pgsteer.anything = 1",
            "SELECT set_config('search_path', 'globex', false)",
            "SELECT pg_catalog.set_config('app.tenant_id', 'globex', false)",
            "select SET_CONFIG ( 'Search_Path' , 'globex', false)",
            "SELECT set_config(name, 'globex', false) FROM (VALUES ('search_path')) v(name)",
            "SELECT set_config('sea' || 'rch_path', 'globex', false)",
            "SELECT * FROM globex.orders",
            "SELECT * FROM \"globex\".orders",
            "SELECT o.* FROM orders o JOIN initech.customers c ON true",
            "INSERT INTO globex.orders VALUES (1)",
            "UPDATE GLOBEX.orders SET amount = 0",
            "SELECT 1; SET search_path = globex",
            "DO $$ BEGIN PERFORM set_config('search_path', 'globex', false); END $$",
            "DO $body$ BEGIN EXECUTE 'SET search_path = globex'; END $body$",
            "DO $$ BEGIN SET search_path = globex; END $$",
            "DO $$ BEGIN EXECUTE 'SELECT * FROM globex.orders'; END $$",
            "DO 'BEGIN PERFORM set_config(''app.tenant_id'', ''globex'', false); END'",
            "DO LANGUAGE plpgsql $$ BEGIN RESET ALL; END $$",
            "CREATE FUNCTION f() RETURNS void AS 'SELECT set_config(''search_path'', ''globex'', false)' LANGUAGE sql",
            "CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT count(*)::int FROM globex.orders $$ LANGUAGE sql",
            "/* hello */ SET search_path = globex",
            "-- comment\nRESET ALL",
    })
    void refuses(String sql) {
        assertNotNull(guard.check(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM orders",
            "SELECT * FROM acme.orders",
            "SELECT * FROM public.plans",
            "SET statement_timeout = '5s'",
            "SET application_name = 'x'",
            "RESET statement_timeout",
            "DISCARD PLANS",
            "SHOW search_path",
            "SELECT current_setting('search_path')",
            "SELECT set_config('application_name', 'x', false)",
            "UPDATE users SET role = 'admin' WHERE id = 1",
            "INSERT INTO notes VALUES ('SET search_path = globex; globex.orders; RESET ALL')",
            "SELECT 'globex.orders'",
            "SELECT x.y FROM t x",
            "BEGIN; UPDATE orders SET amount = 1; COMMIT",
            "DO $$ BEGIN UPDATE users SET role = 'x'; END $$",
            "SELECT $1::int",
            "SELECT 1.5, e'it''s', $tag$ text $tag$",
    })
    void allows(String sql) {
        assertNull(guard.check(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"BEGIN READ WRITE", "START TRANSACTION READ WRITE", "SET TRANSACTION READ WRITE",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SET default_transaction_read_only = off"})
    void readOnlyTenantsCannotWrite(String sql) {
        TenantGuard ro = new TenantGuard(Set.of("search_path", "default_transaction_read_only", "transaction_read_only"),
                Set.of(), true);
        assertNotNull(ro.check(sql), sql);
        assertNull(ro.check("BEGIN READ ONLY"));
        assertNull(readOnly.check("SELECT 1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/* tenant=acme */ SELECT 1", "  /*tenant = 'acme'*/SELECT 1", "/* shard=s0, tenant=acme */ SELECT 1",
            "/* app */ /* tenant=acme */ SELECT 1"})
    void commentNamesTheTenant(String sql) {
        assertEquals("acme", TenantComment.of(sql));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1 /* tenant=acme */", "SELECT '/* tenant=acme */'", "/* tenants=acme */ SELECT 1", ""})
    void onlyTheHeadCommentCounts(String sql) {
        assertNull(TenantComment.of(sql));
    }

    @org.junit.jupiter.api.Test
    void tenantCommands() {
        assertEquals(new TenantCommand.Set("acme"), TenantCommand.parse("SET pgsteer.tenant = 'acme'").orElseThrow());
        assertEquals(new TenantCommand.Set("acme"), TenantCommand.parse("set PGSTEER.TENANT to acme;").orElseThrow());
        assertEquals(new TenantCommand.Set("acme"), TenantCommand.parse("SET SESSION \"pgsteer.tenant\" TO 'acme'").orElseThrow());
        assertEquals(new TenantCommand.Set(null), TenantCommand.parse("SET pgsteer.tenant TO DEFAULT").orElseThrow());
        assertEquals(new TenantCommand.Reset(), TenantCommand.parse("RESET pgsteer.tenant").orElseThrow());
        assertEquals(new TenantCommand.Show(), TenantCommand.parse("show pgsteer.tenant").orElseThrow());
        assertEquals(java.util.Optional.empty(), TenantCommand.parse("SET search_path = acme"));
        assertEquals(java.util.Optional.empty(), TenantCommand.parse("SET pgsteer.tenant = 'a'; SELECT 1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"select pg_catalog.version()", "SELECT current_schema()", "show standard_conforming_strings",
            "SET extra_float_digits = 3", "BEGIN", "SELECT oid, typname FROM pg_catalog.pg_type", "SELECT * FROM pg_type",
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"})
    void withoutATenant(String sql) {
        assertEquals(true, TenantlessStatements.allowed(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT * FROM orders", "INSERT INTO orders VALUES (1)", "SELECT 1; DELETE FROM orders",
            "SELECT * FROM pg_class, orders", "CREATE TABLE t (id int)"})
    void needATenant(String sql) {
        assertEquals(sql.contains("pg_class, orders"), TenantlessStatements.allowed(sql), sql);
    }
}
