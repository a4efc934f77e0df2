package dev.pgsteer.router.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
            "SELECT \"set_config\"('search_path', 'globex', false)",
            "SELECT U&\"set\\005fconfig\"('search_path', 'globex', false)",
            "SELECT U&\"set!005fconfig\" UESCAPE '!' ('app.tenant_id', 'globex', false)",
            "SELECT * FROM U&\"\\0067lobex\".orders",
            "SELECT set_config(U&'search\\005fpath', 'globex', false)",
            "UPDATE pg_settings SET setting = 'globex' WHERE name = 'search_path'",
            "WITH x AS (UPDATE pg_catalog.pg_settings SET setting = 'globex' WHERE name = 'search_path' RETURNING 1) SELECT 1",
            "CREATE VIEW s AS SELECT * FROM pg_settings",
            "DO $$ BEGIN UPDATE pg_settings SET setting = 'globex' WHERE name = 'search_path'; END $$",
            "CREATE FUNCTION f() RETURNS SETOF text LANGUAGE sql SET search_path = globex AS 'SELECT item FROM orders'",
            "create or replace procedure p() language sql set \"app\".\"tenant_id\" = 'globex' as $$ select 1 $$",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS 'SELECT 1'",
            "ALTER FUNCTION f() SET search_path = globex",
            "ALTER ROUTINE f SET app.tenant_id TO 'globex'",
            "ALTER FUNCTION f() RESET search_path",
            "ALTER ROLE app SET search_path = globex",
            "ALTER ROLE app IN DATABASE appdb SET app.tenant_id = 'globex'",
            "ALTER DATABASE appdb SET search_path = globex",
            "ALTER USER app SET role = 'globex'",
            "DO $$ BEGIN EXECUTE 'ALTER FUNCTION f() SET search_path = globex'; END $$",
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
            "SELECT name, setting FROM pg_settings WHERE name = 'search_path'",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET statement_timeout = '1s' AS 'SELECT 1'",
            "CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC UPDATE users SET role = 'x'; END",
            "ALTER TABLE orders ALTER COLUMN role SET DEFAULT 'user'",
            "ALTER FUNCTION f() SET SCHEMA acme",
            "ALTER ROLE app SET statement_timeout = '5s'",
            "SELECT * FROM U&\"\\0061cme\".orders",
            "SELECT U&'d\\0061ta', U&'x!0041' UESCAPE '!'",
    })
    void allows(String sql) {
        assertNull(guard.check(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRUNCATE orders", "truncate table public.orders", "ALTER TABLE orders NO FORCE ROW LEVEL SECURITY",
            "alter table orders disable row level security", "CREATE POLICY everything ON orders USING (true)",
            "DROP POLICY tenant_rows ON orders", "ALTER POLICY tenant_rows ON orders USING (true)",
            "DO $$ BEGIN TRUNCATE orders; END $$", "DO $$ BEGIN EXECUTE 'DROP POLICY tenant_rows ON orders'; END $$"})
    void sharedTablesKeepTheirPolicies(String sql) {
        TenantGuard shared = new TenantGuard(Set.of("search_path", "app.tenant_id"), Set.of(), false, true);
        assertNotNull(shared.check(sql), sql);
        assertNull(guard.check(sql), sql);
        assertNull(shared.check("DELETE FROM orders WHERE id = 1"));
        assertNull(shared.check("ALTER TABLE orders ADD COLUMN note text"));
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

    @Test
    void tenantCommands() {
        assertEquals(new TenantCommand.Set("acme"), TenantCommand.parse("SET pgsteer.tenant = 'acme'").orElseThrow());
        assertEquals(new TenantCommand.Set("acme"), TenantCommand.parse("set PGSTEER.TENANT to acme;").orElseThrow());
        assertEquals(new TenantCommand.Set("acme"), TenantCommand.parse("SET SESSION \"pgsteer.tenant\" TO 'acme'").orElseThrow());
        assertEquals(new TenantCommand.Set(null), TenantCommand.parse("SET pgsteer.tenant TO DEFAULT").orElseThrow());
        assertEquals(new TenantCommand.Reset(), TenantCommand.parse("RESET pgsteer.tenant").orElseThrow());
        assertEquals(new TenantCommand.Show(), TenantCommand.parse("show pgsteer.tenant").orElseThrow());
        assertEquals(Optional.empty(), TenantCommand.parse("SET search_path = acme"));
        assertEquals(Optional.empty(), TenantCommand.parse("SET pgsteer.tenant = 'a'; SELECT 1"));
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

    // --- issue 20: one lexer, every statement, every spelling (tables: what is refused, what passes) ---

    @ParameterizedTest
    @ValueSource(strings = {
            "SET SCHEMA 'globex'",
            "set schema 'globex'",
            "SET LOCAL SCHEMA 'globex'",
            "SET search_path FROM CURRENT",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET SCHEMA 'globex' AS 'SELECT 1'",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET app.tenant_id FROM CURRENT AS 'SELECT 1'",
            "ALTER FUNCTION f() SET SCHEMA 'globex'",
            "ALTER PROCEDURE p() SET search_path TO globex",
            "ALTER ROUTINE f SET search_path FROM CURRENT",
            "ALTER ROLE app SET SCHEMA 'globex'",
            "ALTER DATABASE appdb SET SCHEMA 'globex'",
            "ALTER ROLE ALL SET search_path = globex",
            "SET LOCAL SESSION AUTHORIZATION postgres",
            "ALTER FUNCTION f() SET SCHEMA globex",
            "ALTER TABLE orders SET SCHEMA globex",
            "SELECT set_config(E'search\\137path', 'globex', false)",
            "SELECT set_config(E'search\\x5fpath', 'globex', false)",
            "SELECT set_config(E'search\\u005fpath', 'globex', false)",
            "SELECT set_config(E'\\162ole', 'postgres', false)",
            "SELECT set_config(E'app.tenant\\_id', 'globex', false)",
            "DO $$ BEGIN EXECUTE E'SET search\\137path = globex'; END $$",
            "SELECT 1 -- a comment PostgreSQL ends at a carriage return\r; SET search_path = globex",
            "SELECT 1; -- comment\r; RESET ALL",
            "SELECT 1; DO $$ BEGIN EXECUTE 'SET search_path = globex'; END $$",
            "SELECT 1; DO 'BEGIN EXECUTE ''SET search_path = globex''; END'",
            "SELECT 1; CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'SELECT set_config(''search_path'', ''globex'', false)'",
            "INSERT INTO t VALUES (1); CREATE OR REPLACE FUNCTION f() RETURNS int AS 'SELECT count(*)::int FROM globex.orders' LANGUAGE sql",
            "SELECT item FROM appdb.globex.orders",
            "COPY (SELECT item FROM appdb.globex.orders) TO STDOUT",
            "UPDATE appdb.globex.orders SET item = 'x'",
            "SELECT appdb.\"globex\".orders.item FROM appdb.globex.orders",
            "DO $$ BEGIN EXECUTE 'SET RO' || 'LE postgres'; END $$",
            "DO $$ BEGIN EXECUTE 'SET search' || '_path = globex'; END $$",
            "DO $$ BEGIN EXECUTE 'RESET ' || 'ROLE'; END $$",
            "DO $$ BEGIN EXECUTE 'SET ro' || 'le ' || quote_ident('postgres'); END $$",
            "DO $$ BEGIN EXECUTE 'SELECT * FROM glo' || 'bex.orders'; END $$",
            "DO $$ BEGIN EXECUTE $a$SET ro$a$ || $b$le x$b$; END $$",
            "SET client_encoding = 'SJIS'",
            "SET client_encoding TO big5",
            "SET NAMES 'GBK'",
            "SET SESSION client_encoding = 'Shift_JIS'",
            "SELECT set_config('client_encoding', 'gb18030', false)",
            "SELECT set_config('client_encoding', 'U' || 'HC', false)",
    })
    void refusesEverySpelling(String sql) {
        assertNotNull(guard.check(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ALTER FUNCTION f() SET SCHEMA acme",
            "ALTER TABLE orders SET SCHEMA acme",
            "SET client_encoding = 'UTF8'",
            "SET NAMES 'LATIN1'",
            "SELECT 'C:\\temp'",
            "SELECT E'it\\'s'",
            "SELECT 'a' || 'b' FROM orders",
            "SELECT 1; SELECT 'SET ro' || 'le x'",
            "DO $$ BEGIN RAISE NOTICE 'SET %', 'x'; END $$",
            "SELECT 1 -- SET search_path = globex\nFROM orders",
            "SELECT item FROM appdb.acme.orders",
    })
    void allowsWhatIsNotAnEscape(String sql) {
        assertNull(guard.check(sql), sql);
    }

    /**
     * With standard_conforming_strings off, a backslash escapes a quote in a plain constant: what
     * the on-reading takes for one constant, PostgreSQL reads as a constant and a statement.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT 'x\\''; SET search_path = globex; -- '",
            "SELECT 'x\\'', set_config('search_path', 'globex', false) -- '",
            "SELECT 'x\\'' FROM globex.orders -- '",
            "SELECT set_config('search\\137path', 'globex', false)",
    })
    void standardConformingStringsOffIsReadAsPostgreSQLReadsIt(String sql) {
        assertNotNull(guard.check(sql, true), sql);
    }

    @ParameterizedTest
    @CsvSource({
            "SJIS, true", "sjis, true", "Shift_JIS, true", "BIG5, true", "GBK, true", "GB18030, true", "UHC, true",
            "JOHAB, true", "WIN932, true", "UTF8, false", "LATIN1, false", "EUC_JP, false", "utf-8, false"})
    void unsafeClientEncodingsAreRefusedOnlyWithoutARole(String encoding, boolean unsafe) {
        assertEquals(unsafe, guard.encodingRefusal(encoding) != null, encoding);
        assertEquals(unsafe, guard.encodingRefusal(encoding, "SELECT '\u00e9'") != null, encoding);
        assertNull(guard.encodingRefusal(encoding, "SELECT 'ascii only reads the same in every encoding'"));
        TenantGuard withRole = new TenantGuard(Set.of("search_path"), Set.of("globex"), false, false, false);
        assertNull(withRole.encodingRefusal(encoding));
        assertNull(withRole.check("SET client_encoding = '" + encoding + "'"));
    }

    @ParameterizedTest
    @CsvSource({"2078, true", "1, true", "952, false", "955, false", "964, false"})
    void functionCallsWithoutARoleReachOnlyTheLargeObjectFunctions(int oid, boolean refused) {
        assertEquals(refused, guard.functionCallRefusal(oid) != null, "OID " + oid);
        TenantGuard withRole = new TenantGuard(Set.of("search_path"), Set.of("globex"), false, false, false);
        assertNull(withRole.functionCallRefusal(oid));
    }
}
