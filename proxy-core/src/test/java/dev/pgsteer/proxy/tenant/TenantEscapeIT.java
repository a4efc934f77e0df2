package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pgsteer.proxy.testkit.TenantCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PSQLException;

/**
 * Issue 7, "Isolation cannot be escaped": a table of attempts by one tenant's session to read or
 * change another tenant's rows, each run through the simple protocol, the extended protocol with
 * unnamed statements, and the extended protocol with server-prepared (named) statements.
 *
 * <p>The attacker logs in as a user pinned to its tenant ({@code beta_app}), as an application
 * would give a tenant's code; an unpinned user may name any tenant by design, so only the tricks
 * about choosing the tenant use one. After every attempt the isolation is checked on the pools the
 * attempt touched (every pool has one connection, so the next session gets the very connection the
 * attacker had): the victim's next session sees exactly its rows, settings and login role; the
 * attacker's own next session is back to its tenant's state; no row of any tenant changed.
 *
 * <p>{@link Outcome#KNOWN_GAP_WITHOUT_ROLE} marks what the lexical guard cannot see (dynamic SQL
 * assembled from pieces) when the tenant has no role of its own: the test asserts what happens,
 * so a change in it shows, and the README says so. The same attempts by tenants with roles (acme,
 * hooli) are stopped by PostgreSQL's grants and policies.
 */
class TenantEscapeIT {
    private static TenantCluster cluster;
    /** Superuser connections straight to the backends: s0/appdb, s0/initech_db, s1/appdb. */
    private static Connection s0;
    private static Connection initech;
    private static Connection s1;

    enum Protocol {
        SIMPLE("simple"), EXTENDED("extended"), SERVER_PREPARED("extended");

        final String preferQueryMode;

        Protocol(String preferQueryMode) {
            this.preferQueryMode = preferQueryMode;
        }
    }

    enum Outcome {
        /** pgsteer refuses the statement: its error, raised where the statement's answer belongs. */
        REFUSED,
        /** Everything runs, and the attacker sees (and changes) only its own rows. */
        SEES_ONLY_OWN_ROWS,
        /** The guard lets it through and PostgreSQL stops it: a role's grants, a policy, a database. */
        BLOCKED_BY_POSTGRESQL,
        /** It works: the attacker reads the victim's rows. The proxy cannot see it; only tenant roles stop it. */
        KNOWN_GAP_WITHOUT_ROLE
    }

    /**
     * One attempt: {@code attacker} runs {@code sql} in order (stopping at the first error) in a
     * session opened as {@code user} with startup {@code options}; {@code victim} is the tenant
     * whose rows it is after. {@code sqlState} is the error expected (REFUSED, BLOCKED); {@code
     * gapRows} what the last statement returns for a KNOWN_GAP; {@code leavesAttackerPoolDirty}
     * that the attacker's own next session on the pooled connection still has what the gap changed;
     * {@code changesOwnSession} that the attempt changed its own session as it may (database mode).
     */
    record Attempt(String name, String attacker, String victim, String user, String options, List<String> sql,
                   Outcome outcome, String sqlState, List<String> gapRows, boolean leavesAttackerPoolDirty,
                   boolean changesOwnSession, Outcome extendedOutcome, String extendedSqlState) {

        Attempt as(String user) {
            return new Attempt(name, attacker, victim, user, options, sql, outcome, sqlState, gapRows, leavesAttackerPoolDirty, changesOwnSession, extendedOutcome, extendedSqlState);
        }

        Attempt withOptions(String options) {
            return new Attempt(name, attacker, victim, user, options, sql, outcome, sqlState, gapRows, leavesAttackerPoolDirty, changesOwnSession, extendedOutcome, extendedSqlState);
        }

        Attempt dirtyingTheAttackersPool() {
            return new Attempt(name, attacker, victim, user, options, sql, outcome, sqlState, gapRows, true, changesOwnSession, extendedOutcome,
                    extendedSqlState);
        }

        /** It changed a setting of its own session that it may change (database mode): the next session is checked instead. */
        Attempt changingItsOwnSession() {
            return new Attempt(name, attacker, victim, user, options, sql, outcome, sqlState, gapRows, leavesAttackerPoolDirty, true, extendedOutcome,
                    extendedSqlState);
        }

        /** Where the extended protocol, which sends each statement of a string on its own, ends otherwise. */
        Attempt inTheExtendedProtocol(Outcome outcome, String sqlState) {
            return new Attempt(name, attacker, victim, user, options, sql, this.outcome, this.sqlState, gapRows,
                    leavesAttackerPoolDirty, changesOwnSession, outcome, sqlState);
        }

        Attempt in(Protocol protocol) {
            return protocol == Protocol.SIMPLE || extendedOutcome == null ? this : new Attempt(name, attacker, victim, user,
                    options, sql, extendedOutcome, extendedSqlState, gapRows, leavesAttackerPoolDirty, changesOwnSession, null, null);
        }

        @Override
        public String toString() {
            return attacker + "->" + victim + ": " + name;
        }
    }

    /** The victim each attacker is after: on the same pool where the fixture has one. */
    private static final Map<String, String> VICTIM = Map.of("beta", "delta", "delta", "beta", "acme", "beta",
            "globex", "umbrella", "umbrella", "globex", "hooli", "globex", "initech", "acme");
    /** The tenants whose backend login is their own role. */
    private static final Set<String> ROLES = Set.of("acme", "hooli");

    private static Attempt attempt(String attacker, String name, Outcome outcome, String sqlState, String... sql) {
        return new Attempt(name, attacker, VICTIM.get(attacker), attacker + "_app", null, List.of(sql), outcome, sqlState,
                List.of(), false, false, null, null);
    }

    private static Attempt refused(String attacker, String name, String... sql) {
        return attempt(attacker, name, Outcome.REFUSED, "42501", sql);
    }

    private static Attempt ownRows(String attacker, String name, String... sql) {
        return attempt(attacker, name, Outcome.SEES_ONLY_OWN_ROWS, null, sql);
    }

    private static Attempt blocked(String attacker, String name, String sqlState, String... sql) {
        return attempt(attacker, name, Outcome.BLOCKED_BY_POSTGRESQL, sqlState, sql);
    }

    private static Attempt gap(String attacker, String name, List<String> rows, String... sql) {
        return new Attempt(name, attacker, VICTIM.get(attacker), attacker + "_app", null, List.of(sql),
                Outcome.KNOWN_GAP_WITHOUT_ROLE, null, rows, false, false, null, null);
    }

    static List<Attempt> attempts() {
        return Stream.of(List.of(
                // --- schema mode without a role: beta after delta's rows, on the same pool ---
                refused("beta", "SET search_path", "SET search_path = delta", "SELECT item FROM orders"),
                refused("beta", "SET SESSION search_path", "SET SESSION search_path TO delta, public"),
                refused("beta", "SET LOCAL search_path in a transaction", "BEGIN", "SET LOCAL search_path = delta",
                        "SELECT item FROM orders"),
                refused("beta", "quoted SET \"search_path\" TO DEFAULT", "SET \"search_path\" TO DEFAULT"),
                refused("beta", "RESET search_path", "RESET search_path"),
                refused("beta", "set_config literal", "SELECT set_config('search_path', 'delta', false)"),
                refused("beta", "set_config local, qualified, upper case",
                        "SELECT PG_CATALOG.SET_CONFIG('Search_Path', 'delta', true)"),
                refused("beta", "set_config concatenated name", "SELECT set_config('search' || '_path', 'delta', false)"),
                refused("beta", "set_config name from a subquery",
                        "SELECT set_config(name, 'delta', false) FROM pg_settings WHERE name = 'search_path'"),
                refused("beta", "set_config as a quoted identifier", "SELECT \"set_config\"('search_path', 'delta', false)"),
                refused("beta", "set_config as a Unicode-escaped identifier",
                        "SELECT U&\"set\\005fconfig\"('search_path', 'delta', false)"),
                refused("beta", "UPDATE pg_settings", "UPDATE pg_settings SET setting = 'delta' WHERE name = 'search_path'"),
                refused("beta", "SELECT delta.orders", "SELECT item FROM delta.orders"),
                refused("beta", "INSERT INTO delta.orders", "INSERT INTO delta.orders VALUES (9, 'beta-9')"),
                refused("beta", "UPDATE \"delta\".orders (quoted)", "UPDATE \"delta\".orders SET item = 'beta-was-here'"),
                refused("beta", "DELETE FROM DELTA.ORDERS (upper case)", "DELETE FROM DELTA.ORDERS"),
                refused("beta", "JOIN delta.orders", "SELECT o.item FROM orders o JOIN delta.orders d USING (id)"),
                refused("beta", "Unicode-escaped schema name", "SELECT item FROM U&\"d\\0065lta\".orders"),
                refused("beta", "DO PERFORM set_config",
                        "DO $$ BEGIN PERFORM set_config('search_path', 'delta', false); END $$", "SELECT item FROM orders"),
                refused("beta", "DO EXECUTE 'SET search_path'", "DO $$ BEGIN EXECUTE 'SET search_path = delta'; END $$"),
                refused("beta", "DO EXECUTE 'SELECT ... FROM delta.orders'",
                        "DO $$ DECLARE n int; BEGIN EXECUTE 'SELECT count(*) FROM delta.orders' INTO n; END $$"),
                refused("beta", "DO with a string body", "DO 'BEGIN EXECUTE ''SET search_path = delta''; END'"),
                refused("beta", "plpgsql function EXECUTE 'SET search_path'",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
                                + "EXECUTE 'SET search_path = delta'; END $$", "SELECT peek()", "SELECT item FROM orders"),
                refused("beta", "SQL function reading delta.orders",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql AS "
                                + "'SELECT item FROM delta.orders'", "SELECT peek()"),
                refused("beta", "function with a SET search_path clause",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql SET search_path = delta "
                                + "AS 'SELECT item FROM orders'", "SELECT peek()"),
                refused("beta", "ALTER FUNCTION ... SET search_path",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql AS 'SELECT item FROM orders'",
                        "ALTER FUNCTION peek() SET search_path = delta", "SELECT peek()"),
                refused("beta", "ALTER ROLE ... SET search_path", "ALTER ROLE app SET search_path = delta"),
                refused("beta", "SET ROLE", "SET ROLE acme"),
                refused("beta", "RESET ROLE", "RESET ROLE"),
                refused("beta", "set_config('role')", "SELECT set_config('role', 'acme', false)"),
                refused("beta", "RESET SESSION AUTHORIZATION", "RESET SESSION AUTHORIZATION"),
                refused("beta", "set_config('session_authorization')",
                        "SELECT set_config('session_authorization', 'postgres', false)"),
                refused("beta", "SET SESSION AUTHORIZATION", "SET SESSION AUTHORIZATION postgres"),
                refused("beta", "RESET ALL", "RESET ALL"),
                refused("beta", "DISCARD ALL", "DISCARD ALL"),
                gap("beta", "DO EXECUTE of an assembled SET search_path", List.of("delta-1", "delta-2"),
                        "DO $$ BEGIN EXECUTE 'SET search' || chr(95) || 'path = delta'; END $$",
                        "SELECT item FROM orders ORDER BY id"),
                gap("beta", "plpgsql function reading an assembled schema name", List.of("delta-1,delta-2"),
                        "CREATE OR REPLACE FUNCTION peek() RETURNS text LANGUAGE plpgsql AS $$ DECLARE r text; BEGIN "
                                + "EXECUTE format('SELECT string_agg(item, '','' ORDER BY id) FROM %I.orders', 'del' || 'ta') "
                                + "INTO r; RETURN r; END $$", "SELECT peek()"),

                // --- choosing the tenant: a pinned user cannot name another ---
                refused("beta", "SET pgsteer.tenant (pinned user)", "SET pgsteer.tenant = 'delta'"),
                refused("beta", "/* tenant=delta */ at the head (pinned user)", "/* tenant=delta */ SELECT item FROM orders"),
                ownRows("beta", "/* tenant=delta */ not at the head", "SELECT item FROM orders /* tenant=delta */"),
                refused("beta", "SET pgsteer.tenant after another statement", "SELECT 1; SET pgsteer.tenant = 'delta'"),
                // Simple protocol: one Query, whose head has no comment. Extended: pgjdbc sends each statement
                // as its own Parse, so the comment heads the second; the batch up to Sync is one transaction.
                ownRows("beta", "/* tenant=delta */ in the middle of a multi-statement query (pinned user)",
                        "SELECT 1; /* tenant=delta */ SELECT item FROM orders")
                        .inTheExtendedProtocol(Outcome.REFUSED, "42501"),
                ownRows("beta", "/* tenant=delta */ in the middle of a multi-statement query (unpinned)",
                        "SELECT 1; /* tenant=delta */ SELECT item FROM orders").as("app").withOptions("-c pgsteer.tenant=beta")
                        .inTheExtendedProtocol(Outcome.REFUSED, "25001"),
                refused("beta", "set_config('pgsteer.tenant')", "SELECT set_config('pgsteer.tenant', 'delta', false)"),
                attempt("beta", "SET pgsteer.tenant in a transaction (unpinned)", Outcome.REFUSED, "25001", "BEGIN",
                        "SELECT item FROM orders",
                        "SET pgsteer.tenant = 'delta'").as("app").withOptions("-c pgsteer.tenant=beta"),
                attempt("beta", "/* tenant=delta */ in a transaction (unpinned)", Outcome.REFUSED, "25001", "BEGIN",
                        "SELECT item FROM orders", "/* tenant=delta */ SELECT item FROM orders")
                        .as("app").withOptions("-c pgsteer.tenant=beta"),
                refused("beta", "startup option naming another tenant (pinned user)").withOptions("-c pgsteer.tenant=delta"),
                ownRows("beta", "startup options setting search_path and the tenancy setting", "SELECT item FROM orders")
                        .withOptions("-c search_path=delta -c app.tenant_id=umbrella"),

                // --- schema mode with a role: acme after beta's rows; PostgreSQL's grants stop what the guard cannot see ---
                refused("acme", "SELECT beta.orders", "SELECT item FROM beta.orders"),
                refused("acme", "SET search_path", "SET search_path = beta"),
                blocked("acme", "DO EXECUTE of an assembled query on beta.orders", "42501",
                        "DO $$ DECLARE n int; BEGIN EXECUTE 'SELECT count(*) FROM be' || chr(116) || 'a.orders' INTO n; END $$"),
                blocked("acme", "DO EXECUTE of an assembled SET search_path", "42P01",
                        "DO $$ BEGIN EXECUTE 'SET search' || chr(95) || 'path = beta'; END $$", "SELECT item FROM orders")
                        .changingItsOwnSession(),
                blocked("acme", "DO EXECUTE of an assembled SET ROLE", "42501",
                        "DO $$ BEGIN EXECUTE 'SET ro' || chr(108) || 'e app'; END $$"),
                blocked("acme", "CREATE FUNCTION (no CREATE on its schema)", "42501",
                        "CREATE FUNCTION peek() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
                refused("acme", "SET ROLE app", "SET ROLE app"),

                // --- shared mode without a role: globex after umbrella's rows, same table, same pool ---
                refused("globex", "SET app.tenant_id", "SET app.tenant_id = 'umbrella'", "SELECT item FROM orders"),
                refused("globex", "SET LOCAL \"app\".\"tenant_id\"", "BEGIN", "SET LOCAL \"app\".\"tenant_id\" TO 'umbrella'"),
                refused("globex", "RESET app.tenant_id", "RESET app.tenant_id"),
                refused("globex", "SET SESSION app.tenant_id", "SET SESSION app.tenant_id TO umbrella"),
                refused("globex", "set_config of the tenancy setting", "SELECT set_config('app.tenant_id', 'umbrella', false)"),
                refused("globex", "set_config of a name from a subquery",
                        "SELECT set_config((SELECT 'app.' || 'tenant_id'), 'umbrella', true), item FROM orders"),
                refused("globex", "DO PERFORM set_config of the tenancy setting",
                        "DO $$ BEGIN PERFORM set_config('app.tenant_id', 'umbrella', false); END $$"),
                refused("globex", "function with a SET app.tenant_id clause",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql SET app.tenant_id = 'umbrella' "
                                + "AS 'SELECT item FROM orders'", "SELECT peek()"),
                refused("globex", "SET search_path to plant a schema", "CREATE SCHEMA IF NOT EXISTS evil",
                        "CREATE TABLE evil.orders (item text)", "SET search_path = evil, public"),
                blocked("globex", "INSERT a row with another tenant_id", "42501",
                        "INSERT INTO orders (tenant_id, id, item) VALUES ('umbrella', 11, 'globex-11')"),
                blocked("globex", "UPDATE an own row to another tenant_id", "42501",
                        "UPDATE orders SET tenant_id = 'umbrella' WHERE id = 1"),
                ownRows("globex", "UPDATE another tenant's rows (row-level security: 0 rows)",
                        "UPDATE orders SET item = 'pwned' WHERE tenant_id = 'umbrella'"),
                ownRows("globex", "DELETE every other tenant's rows (row-level security: 0 rows)",
                        "DELETE FROM orders WHERE tenant_id <> 'globex'"),
                blocked("globex", "SET LOCAL row_security = off", "42501", "BEGIN", "SET LOCAL row_security = off",
                        "SELECT item FROM orders"),
                ownRows("globex", "temporary table named orders, made by assembled dynamic SQL",
                        "DO $$ BEGIN EXECUTE 'CREATE TE' || 'MP TABLE orders AS SELECT ''umbrella''::text AS tenant_id, "
                                + "1 AS id, ''planted-by-globex''::text AS item'; END $$", "SELECT item FROM orders")
                        .changingItsOwnSession().dirtyingTheAttackersPool(),
                gap("globex", "schema planted and put on search_path by assembled dynamic SQL", List.of(),
                        "CREATE SCHEMA evil", "CREATE TABLE evil.orders (tenant_id text, id int, item text)",
                        "DO $$ BEGIN EXECUTE 'SET search' || chr(95) || 'path = evil, public'; END $$",
                        "SELECT item FROM orders"),
                refused("globex", "TRUNCATE the shared table", "TRUNCATE orders"),
                refused("globex", "ALTER TABLE ... NO FORCE ROW LEVEL SECURITY", "ALTER TABLE orders NO FORCE ROW LEVEL SECURITY",
                        "SELECT item FROM orders"),
                refused("globex", "CREATE POLICY that lets every row through",
                        "CREATE POLICY everything ON orders TO app USING (true)", "SELECT item FROM orders"),
                // The table's owner switches the policies off for everyone, until it switches them on again (as here).
                gap("globex", "DO EXECUTE of an assembled ALTER TABLE ... NO FORCE ROW LEVEL SECURITY",
                        List.of("globex-1", "globex-2", "hooli-1", "hooli-2", "umbrella-1", "umbrella-2"),
                        "DO $$ BEGIN EXECUTE 'ALTER TABLE orders NO FO' || chr(82) || 'CE ROW LEVEL SECURITY'; END $$",
                        "SELECT item FROM orders ORDER BY item",
                        "DO $$ BEGIN EXECUTE 'ALTER TABLE orders FO' || chr(82) || 'CE ROW LEVEL SECURITY'; END $$"),
                gap("globex", "DO EXECUTE of an assembled SET app.tenant_id", List.of("umbrella-1", "umbrella-2"),
                        "DO $$ BEGIN EXECUTE 'SET app.tenant' || chr(95) || 'id = umbrella'; END $$",
                        "SELECT item FROM orders ORDER BY id"),

                // --- shared mode with a role: hooli after globex's rows; its policy is by current_user ---
                refused("hooli", "SET app.tenant_id", "SET app.tenant_id = 'globex'"),
                ownRows("hooli", "DO EXECUTE of an assembled SET app.tenant_id",
                        "DO $$ BEGIN EXECUTE 'SET app.tenant' || chr(95) || 'id = globex'; END $$", "SELECT item FROM orders"),
                blocked("hooli", "INSERT a row with another tenant_id", "42501",
                        "INSERT INTO orders (tenant_id, id, item) VALUES ('globex', 12, 'hooli-12')"),
                blocked("hooli", "DO EXECUTE of an assembled SET ROLE", "42501",
                        "DO $$ BEGIN EXECUTE 'SET ro' || chr(108) || 'e app'; END $$"),
                blocked("hooli", "TRUNCATE the shared table", "42501",
                        "DO $$ BEGIN EXECUTE 'TRUNC' || chr(65) || 'TE orders'; END $$"),
                blocked("hooli", "DO EXECUTE of an assembled ALTER TABLE ... NO FORCE ROW LEVEL SECURITY", "42501",
                        "DO $$ BEGIN EXECUTE 'ALTER TABLE orders NO FO' || chr(82) || 'CE ROW LEVEL SECURITY'; END $$"),
                ownRows("hooli", "DELETE every other tenant's rows (policy by current_user: 0 rows)",
                        "DELETE FROM orders WHERE tenant_id <> current_user"),

                // --- database mode: initech after acme's rows, which live in another database ---
                refused("initech", "SET ROLE", "SET ROLE acme"),
                refused("initech", "SET SESSION AUTHORIZATION", "SET SESSION AUTHORIZATION acme"),
                refused("initech", "set_config('role')", "SELECT set_config('role', 'acme', false)"),
                refused("initech", "RESET ALL", "RESET ALL"),
                refused("initech", "DISCARD ALL", "DISCARD ALL"),
                refused("initech", "SET pgsteer.tenant (pinned user)", "SET pgsteer.tenant = 'acme'"),
                blocked("initech", "DO EXECUTE of an assembled SET ROLE", "42501",
                        "DO $$ BEGIN EXECUTE 'SET ro' || chr(108) || 'e acme'; END $$"),
                blocked("initech", "SELECT acme.orders (no such schema in its database)", "42P01",
                        "SELECT item FROM acme.orders"),
                blocked("initech", "SET search_path to another tenant's schema", "42P01",
                        "SET search_path = acme", "SELECT item FROM orders").changingItsOwnSession()
        ), issue20GuardAttempts()).flatMap(List::stream).toList();
    }

    // ===== issue 20, the guard where it still serves (tenant-guard): every spelling, one lexer =====

    /**
     * The forms issue 20 found passing the lexical guard of tenants without roles, in each mode, and
     * the same forms by tenants with roles (where the guard refuses them too, as defence in depth, or
     * PostgreSQL stops them). The FunctionCall message has its own test below (it is no SQL text).
     */
    static List<Attempt> issue20GuardAttempts() {
        return List.of(
                // --- schema mode without a role: beta after delta's rows ---
                refused("beta", "SET SCHEMA (search_path's other name)", "SET SCHEMA 'delta'", "SELECT item FROM orders"),
                refused("beta", "SET LOCAL SCHEMA in a transaction", "BEGIN", "SET LOCAL SCHEMA 'delta'", "SELECT item FROM orders"),
                refused("beta", "function with a SET SCHEMA clause",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql SET SCHEMA 'delta' "
                                + "AS 'SELECT item FROM orders'", "SELECT peek()"),
                refused("beta", "ALTER FUNCTION ... SET search_path FROM CURRENT",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql AS 'SELECT item FROM orders'",
                        "ALTER FUNCTION peek() SET search_path FROM CURRENT"),
                refused("beta", "ALTER ROLE ... SET SCHEMA", "ALTER ROLE app SET SCHEMA 'delta'"),
                refused("beta", "ALTER DATABASE ... SET SCHEMA", "ALTER DATABASE appdb SET SCHEMA 'delta'"),
                refused("beta", "ALTER TABLE ... SET SCHEMA of another tenant (planting a table)",
                        "CREATE TABLE plans (name text)", "ALTER TABLE plans SET SCHEMA delta"),
                refused("beta", "set_config with an octal-escaped name", "SELECT set_config(E'search\\137path', 'delta', false)"),
                refused("beta", "set_config with a hex-escaped role", "SELECT set_config(E'\\x72ole', 'postgres', false)"),
                refused("beta", "DO EXECUTE of an escaped SET", "DO $$ BEGIN EXECUTE E'SET search\\137path = delta'; END $$",
                        "SELECT item FROM orders"),
                refused("beta", "standard_conforming_strings off hides a SET in a constant",
                        "SET standard_conforming_strings = off", "SELECT 'x\\''; SET search_path = delta; -- '",
                        "SELECT item FROM orders"),
                refused("beta", "standard_conforming_strings off hides a qualified read",
                        "SET standard_conforming_strings = off", "SELECT 'x\\'' || item FROM delta.orders -- '"),
                refused("beta", "a -- comment ended by a carriage return",
                        "SELECT 1 -- PostgreSQL ends this comment here\r; SET search_path = delta", "SELECT item FROM orders"),
                refused("beta", "SET client_encoding = SJIS", "SET client_encoding = 'SJIS'"),
                refused("beta", "SET NAMES BIG5", "SET NAMES 'BIG5'"),
                refused("beta", "set_config('client_encoding', 'GBK')", "SELECT set_config('client_encoding', 'GBK', false)"),
                refused("beta", "DO block with a string body after another statement",
                        "SELECT 1; DO 'BEGIN EXECUTE ''DELETE FROM delta.orders''; END'"),
                refused("beta", "CREATE FUNCTION with a string body after another statement",
                        "SELECT 1; CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql AS "
                                + "'SELECT item FROM delta.orders'", "SELECT peek()"),
                refused("beta", "three-part name in SELECT", "SELECT item FROM appdb.delta.orders"),
                refused("beta", "three-part name in UPDATE", "UPDATE appdb.delta.orders SET item = 'beta-was-here'"),
                refused("beta", "DO EXECUTE 'SET RO' || 'LE x' (constants joined)",
                        "DO $$ BEGIN EXECUTE 'SET RO' || 'LE acme'; END $$"),
                refused("beta", "DO EXECUTE 'SET search' || '_path' (constants joined)",
                        "DO $$ BEGIN EXECUTE 'SET search' || '_path = delta'; END $$", "SELECT item FROM orders"),
                // The role stays on the attacker's connection; the victim's next session there runs as its own login.
                ownRows("beta", "a role set by assembled SQL, left for the victim's next session",
                        "DROP ROLE IF EXISTS pwn", "CREATE ROLE pwn", "GRANT pwn TO app",
                        "DO $$ BEGIN EXECUTE 'SET RO' || chr(76) || 'E pwn'; END $$").changingItsOwnSession(),

                // --- schema mode with a role: acme after beta's rows ---
                refused("acme", "SET SCHEMA (search_path's other name)", "SET SCHEMA 'beta'", "SELECT item FROM orders"),
                refused("acme", "set_config with an octal-escaped name", "SELECT set_config(E'search\\137path', 'beta', false)"),
                refused("acme", "three-part name in SELECT", "SELECT item FROM appdb.beta.orders"),
                refused("acme", "ALTER ROLE ... SET SCHEMA", "ALTER ROLE acme SET SCHEMA 'beta'"),
                refused("acme", "DO block with a string body after another statement",
                        "SELECT 1; DO 'DECLARE n int; BEGIN EXECUTE ''SELECT count(*) FROM beta.orders'' INTO n; END'"),
                blocked("acme", "DO EXECUTE of an assembled three-part name", "42501",
                        "DO $$ DECLARE n int; BEGIN EXECUTE 'SELECT count(*) FROM appdb.be' || chr(116) || 'a.orders' INTO n; END $$"),

                // --- shared mode without a role: globex after umbrella's rows ---
                refused("globex", "SET SCHEMA (search_path's other name)", "SET SCHEMA 'public'"),
                refused("globex", "set_config with an escaped tenancy setting",
                        "SELECT set_config(E'app.tenant\\137id', 'umbrella', false)", "SELECT item FROM orders"),
                refused("globex", "ALTER DATABASE ... SET the tenancy setting", "ALTER DATABASE appdb SET app.tenant_id = 'umbrella'"),
                refused("globex", "function with a SET clause FROM CURRENT",
                        "CREATE OR REPLACE FUNCTION peek() RETURNS SETOF text LANGUAGE sql SET app.tenant_id FROM CURRENT "
                                + "AS 'SELECT item FROM orders'"),
                refused("globex", "standard_conforming_strings off hides set_config",
                        "SET standard_conforming_strings = off",
                        "SELECT 'x\\'', set_config('app.tenant_id', 'umbrella', false) -- '", "SELECT item FROM orders"),
                refused("globex", "standard_conforming_strings off hides NO FORCE ROW LEVEL SECURITY",
                        "SET standard_conforming_strings = off",
                        "SELECT 'x\\''; ALTER TABLE orders NO FORCE ROW LEVEL SECURITY; -- '", "SELECT item FROM orders"),
                refused("globex", "a -- comment ended by a carriage return",
                        "SELECT 1 -- PostgreSQL ends this comment here\r; SET app.tenant_id = umbrella", "SELECT item FROM orders"),
                refused("globex", "SET client_encoding = SJIS", "SET client_encoding = 'SJIS'"),
                refused("globex", "DO block with a string body after another statement",
                        "SELECT 1; DO 'BEGIN EXECUTE ''TRUNCATE orders''; END'"),
                refused("globex", "DO EXECUTE of constants joined: NO FORCE ROW LEVEL SECURITY",
                        "DO $$ BEGIN EXECUTE 'ALTER TABLE orders NO FO' || 'RCE ROW LEVEL SECURITY'; END $$"),
                refused("globex", "DO EXECUTE of constants joined: SET app.tenant_id",
                        "DO $$ BEGIN EXECUTE 'SET app.tenant' || '_id = umbrella'; END $$", "SELECT item FROM orders"),
                ownRows("globex", "a role set by assembled SQL, left for the victim's next session",
                        "DROP ROLE IF EXISTS pwn", "CREATE ROLE pwn", "GRANT pwn TO app",
                        "DO $$ BEGIN EXECUTE 'SET RO' || chr(76) || 'E pwn'; END $$").changingItsOwnSession(),

                // --- shared mode with a role: hooli after globex's rows ---
                refused("hooli", "SET SCHEMA (search_path's other name)", "SET SCHEMA 'public'"),
                refused("hooli", "set_config with an escaped tenancy setting",
                        "SELECT set_config(E'app.tenant\\137id', 'globex', false)"),
                refused("hooli", "ALTER ROLE ... SET the tenancy setting", "ALTER ROLE hooli SET app.tenant_id = 'globex'"),

                // --- database mode: initech after acme's rows ---
                blocked("initech", "SET SCHEMA to another tenant's schema", "42P01", "SET SCHEMA 'acme'", "SELECT item FROM orders")
                        .changingItsOwnSession(),
                refused("initech", "set_config with an escaped role", "SELECT set_config(E'\\162ole', 'acme', false)"),
                refused("initech", "SET client_encoding = SJIS", "SET client_encoding = 'SJIS'"),
                blocked("initech", "three-part name into another database", "0A000", "SELECT item FROM appdb.acme.orders"),
                refused("initech", "DO block with a string body after another statement",
                        "SELECT 1; DO 'BEGIN EXECUTE ''SET ROLE acme''; END'"),
                refused("initech", "DO EXECUTE 'SET RO' || 'LE x' (constants joined)",
                        "DO $$ BEGIN EXECUTE 'SET RO' || 'LE acme'; END $$")
        );
    }

    /** The roles attempts made go, once no connection runs under them. */
    @AfterEach
    void dropIssue20Roles() throws SQLException {
        for (Connection c : new Connection[] {s0, s1}) {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS beta.plans, delta.plans");
                s.execute("ALTER DATABASE appdb RESET ALL");
                s.execute("ALTER ROLE acme RESET ALL");
                s.execute("DROP ROLE IF EXISTS pwn");
            } catch (SQLException e) {
                // acme exists on s0 only; hooli on s1 only.
                if (!"42704".equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    /**
     * The FunctionCall message calls a function by OID, with no SQL to read: set_config (OID 2078)
     * of search_path. A tenant without a role is refused it; a tenant with one may call it, and its
     * grants then stop the read of another tenant's schema. Either way the victim's next session on
     * the same connection is as it should be.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"beta, delta, refused", "acme, beta, blocked"})
    void theFunctionCallMessageCannotSetSearchPath(String attacker, String victim, String outcome) throws Exception {
        try (Connection c = connect(attacker + "_app", null, Protocol.EXTENDED)) {
            var fastpath = c.unwrap(org.postgresql.PGConnection.class).getFastpathAPI();
            org.postgresql.fastpath.FastpathArg[] args = {new org.postgresql.fastpath.FastpathArg("search_path"),
                    new org.postgresql.fastpath.FastpathArg(victim + ", public"), new org.postgresql.fastpath.FastpathArg(new byte[] {0})};
            if (outcome.equals("refused")) {
                SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> fastpath.fastpath(2078, args));
                assertEquals("42501", e.getSQLState(), e.getMessage());
                assertEquals(ownRows(attacker), query(c, Protocol.EXTENDED, "SELECT item FROM orders ORDER BY id"));
            } else {
                fastpath.fastpath(2078, args);
                // PostgreSQL leaves a schema the role may not use out of the path: beta's orders are not found.
                SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                        () -> query(c, Protocol.EXTENDED, "SELECT item FROM orders ORDER BY id"));
                assertEquals("42P01", e.getSQLState(), e.getMessage());
            }
        }
        assertIsolated(victim, Protocol.EXTENDED);
        assertIsolated(attacker, Protocol.EXTENDED);
    }

    /** The FunctionCall message drivers do send, pgjdbc's large-object API, still works for a tenant without a role. */
    @Test
    void aTenantWithoutARoleMayStillUseLargeObjects() throws Exception {
        try (Connection c = connect("beta_app", null, Protocol.EXTENDED)) {
            c.setAutoCommit(false);
            var objects = c.unwrap(org.postgresql.PGConnection.class).getLargeObjectAPI();
            long oid = objects.createLO();
            try (var object = objects.open(oid, org.postgresql.largeobject.LargeObjectManager.READWRITE)) {
                object.write("beta's bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                object.seek(0);
                assertEquals("beta's bytes", new String(object.read(12), java.nio.charset.StandardCharsets.UTF_8));
                assertEquals(12, object.tell64());
                object.truncate(4);
            }
            objects.delete(oid);
            c.rollback();
        }
    }

    /**
     * What a role-less tenant leaves on a pooled connection by SQL pgsteer cannot read (LISTEN and an
     * advisory lock taken in assembled dynamic SQL) is gone when another tenant gets the connection:
     * it is reset (DISCARD ALL) on the change of owner.
     */
    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aConnectionIsResetBeforeAnotherTenantGetsIt(Protocol protocol) throws Exception {
        try (Connection c = connect("beta_app", null, protocol)) {
            query(c, protocol, "DO $$ BEGIN EXECUTE 'LIS' || chr(84) || 'EN beta_channel'; "
                    + "PERFORM pg_advisory_lock(42); EXECUTE 'SET statement' || chr(95) || 'timeout = 12345'; END $$");
            assertEquals(List.of("1"), query(c, protocol, "SELECT count(*) FROM pg_listening_channels()"));
        }
        try (Connection c = connect("delta_app", null, protocol)) {
            // No channel, no advisory lock, statement_timeout back at its default.
            assertEquals(List.of("0 0 0"), query(c, protocol, "SELECT (SELECT count(*) FROM pg_listening_channels()) || ' ' || "
                    + "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) || ' ' || "
                    + "current_setting('statement_timeout')"));
        }
        assertIsolated("delta", protocol);
    }

    // ===== end of issue 20, tenant-guard =====

    /** {@code -Descape.only=text} runs only the attempts whose name contains it. */
    static Stream<Arguments> attemptsByProtocol() {
        String only = System.getProperty("escape.only", "");
        return attempts().stream().filter(a -> a.name().contains(only)).flatMap(a -> Arrays.stream(Protocol.values()).map(p -> Arguments.of(a, p)));
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = new TenantCluster();
        s0 = superuser(cluster.s0.port(), "appdb");
        initech = superuser(cluster.s0.port(), "initech_db");
        s1 = superuser(cluster.s1.port(), "appdb");
    }

    @AfterAll
    static void stop() throws Exception {
        for (Connection c : new Connection[] {s0, initech, s1}) {
            if (c != null) {
                c.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** What attempts may have created goes, so every attempt starts from the fixture. */
    @AfterEach
    void dropWhatAttemptsCreated() throws SQLException {
        for (Connection c : new Connection[] {s0, initech, s1}) {
            try (Statement s = c.createStatement()) {
                s.execute("DO $$ DECLARE r record; BEGIN FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p "
                        + "JOIN pg_roles o ON o.oid = p.proowner WHERE NOT o.rolsuper LOOP "
                        + "EXECUTE 'DROP ROUTINE ' || r.f || ' CASCADE'; END LOOP; END $$");
                s.execute("DROP SCHEMA IF EXISTS evil CASCADE");
                s.execute("ALTER ROLE app RESET ALL");
                if (c == s1) {
                    s.execute("ALTER TABLE public.orders FORCE ROW LEVEL SECURITY");
                    s.execute("DROP POLICY IF EXISTS everything ON public.orders");
                }
            }
        }
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("attemptsByProtocol")
    void attemptFailsOrSeesOnlyOwnRows(Attempt asListed, Protocol protocol) throws Exception {
        Attempt attempt = asListed.in(protocol);
        Map<String, List<String>> before = allRows();
        Run run;
        try (Connection c = connect(attempt.user(), attempt.options(), protocol)) {
            run = run(c, protocol, attempt.sql());
            judge(attempt, run);
            if (attempt.outcome() != Outcome.KNOWN_GAP_WITHOUT_ROLE && !attempt.leavesAttackerPoolDirty()
                    && !attempt.changesOwnSession()) {
                assertEquals(ownRows(attempt.attacker()), query(c, protocol, "SELECT item FROM orders ORDER BY id"),
                        "the attacker's session goes on, with its own rows");
            }
        } catch (SQLException e) {
            if (!attempt.sql().isEmpty()) {
                throw e;
            }
            // An attempt with no statements is refused at login.
            assertEquals(attempt.sqlState(), e.getSQLState(), e.getMessage());
            run = new Run(List.of(), e);
        }
        assertEquals(before, allRows(), "no tenant's rows changed");
        if (attempt.leavesAttackerPoolDirty()) {
            assertLeftOver(attempt.attacker(), protocol);
        }
        assertIsolated(attempt.victim(), protocol);
        if (attempt.leavesAttackerPoolDirty()) {
            cleanse(attempt.attacker(), protocol);
        }
        assertIsolated(attempt.attacker(), protocol);
    }

    /**
     * The gap's leftover: the attacker's own next session on the pooled connection still has the
     * setting the assembled statement changed, since pgsteer believes the connection carries what
     * it set there. (A session of another tenant gets its own values written: assertIsolated.)
     */
    private static void assertLeftOver(String tenant, Protocol protocol) throws SQLException {
        try (Connection c = connect(tenant + "_app", null, protocol)) {
            String seen;
            try {
                seen = query(c, protocol, "SELECT item FROM orders ORDER BY id") + " " + state(c, protocol);
            } catch (SQLException e) {
                seen = e.getSQLState();
            }
            assertTrue(!seen.equals(ownRows(tenant) + " " + List.of(expectedState(tenant))),
                    "the connection went back as " + tenant + " left it: " + seen);
        }
    }

    /** A session that pins its connection: at its end pgsteer runs DISCARD ALL and forgets what it believed the connection carried. */
    private static void cleanse(String tenant, Protocol protocol) throws SQLException {
        try (Connection c = connect(tenant + "_app", null, protocol); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE cleanse (i int)");
        }
    }

    /**
     * Runs {@code sql} in order and stops at the first error; a transaction the attempt opened is
     * rolled back. What every statement returned is kept, first column only.
     */
    record Run(List<List<String>> results, SQLException error) {
    }

    private static Run run(Connection c, Protocol protocol, List<String> sql) throws SQLException {
        List<List<String>> results = new ArrayList<>();
        SQLException error = null;
        for (String statement : sql) {
            try {
                results.add(query(c, protocol, statement));
            } catch (SQLException e) {
                error = e;
                break;
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
        }
        return new Run(results, error);
    }

    private static void judge(Attempt attempt, Run run) {
        String attacker = attempt.attacker();
        switch (attempt.outcome()) {
            case REFUSED -> {
                assertNotNull(run.error(), "refused");
                assertEquals(attempt.sqlState(), run.error().getSQLState(), run.error().getMessage());
                assertTrue(raisedByPgsteer(run.error()), "pgsteer's error, not PostgreSQL's: " + run.error().getMessage());
            }
            case BLOCKED_BY_POSTGRESQL -> {
                assertNotNull(run.error(), "blocked");
                assertEquals(attempt.sqlState(), run.error().getSQLState(), run.error().getMessage());
                assertTrue(!raisedByPgsteer(run.error()), "PostgreSQL's error: " + run.error().getMessage());
            }
            case SEES_ONLY_OWN_ROWS -> {
                assertNull(run.error(), () -> "runs: " + run.error().getMessage());
                for (List<String> result : run.results()) {
                    for (String value : result) {
                        assertTrue(!tenantRow(value) || value.startsWith(attacker + "-"), attacker + " saw " + value);
                    }
                }
            }
            case KNOWN_GAP_WITHOUT_ROLE -> {
                assertNull(run.error(), () -> "runs: " + run.error().getMessage());
                List<String> last = run.results().reversed().stream().filter(r -> !r.isEmpty()).findFirst().orElse(List.of());
                assertEquals(attempt.gapRows(), last, "what the gap lets " + attacker + " read");
            }
        }
    }

    /** pgsteer's refusals are raised by the DO block that takes the refused statement's place. */
    private static boolean raisedByPgsteer(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            String where = p.getServerErrorMessage().getWhere();
            String routine = p.getServerErrorMessage().getRoutine();
            // PostgreSQL names the routine of each error it raises; pgsteer's own errors (at login) have none.
            return where != null && where.contains("at RAISE") || routine == null;
        }
        return false;
    }

    private static boolean tenantRow(String value) {
        return value != null && value.matches("(acme|beta|delta|globex|umbrella|hooli|initech)-\\d+");
    }

    // --- the victim's view: rows, settings, login role ---

    private static List<String> ownRows(String tenant) {
        return tenant.equals("initech") ? List.of("initech-1") : List.of(tenant + "-1", tenant + "-2");
    }

    /** A new session of {@code tenant}, on the pool the attempt used when they share one, sees only what is its own. */
    private static void assertIsolated(String tenant, Protocol protocol) throws SQLException {
        try (Connection c = connect(tenant + "_app", null, protocol)) {
            assertEquals(ownRows(tenant), query(c, protocol, "SELECT item FROM orders ORDER BY id"), tenant + "'s rows");
            assertEquals(List.of(expectedState(tenant)), state(c, protocol), tenant + "'s login role, search_path and app.tenant_id");
        }
    }

    private static List<String> state(Connection c, Protocol protocol) throws SQLException {
        return query(c, protocol, "SELECT concat_ws(' | ', current_user, current_setting('search_path'), "
                + "coalesce(current_setting('app.tenant_id', true), '(unset)'))");
    }

    private static String expectedState(String tenant) {
        String login = ROLES.contains(tenant) ? tenant : "app";
        return switch (tenant) {
            case "acme", "beta", "delta" -> login + " | \"" + tenant + "\", \"public\" | ";
            case "globex", "umbrella", "hooli" -> login + " | \"public\" | " + tenant;
            default -> login + " | \"$user\", public | (unset)";
        };
    }

    // --- dedicated tests ---

    /**
     * A statement prepared for tenant A, then executed after the session switched to B, runs for B:
     * a statement without a tenant comment belongs to the session, whose tenant is chosen per
     * statement, just as if its text were sent again. (One prepared under a comment keeps that
     * comment's tenant: TenancyIT.)
     */
    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStatementPreparedForOneTenantRunsForTheTenantInForceWhenExecuted(Protocol protocol) throws Exception {
        for (String[] pair : new String[][] {{"beta", "delta"}, {"globex", "umbrella"}, {"beta", "globex"}}) {
            try (Connection c = connect("app", "-c pgsteer.tenant=" + pair[0], protocol);
                 PreparedStatement p = c.prepareStatement("SELECT item FROM orders ORDER BY id")) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(ownRows(pair[0]), rows(p), pair[0]);
                }
                try (Statement s = c.createStatement()) {
                    s.execute("SET pgsteer.tenant = '" + pair[1] + "'");
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals(ownRows(pair[1]), rows(p), "after switching to " + pair[1]);
                }
            }
            assertIsolated(pair[0], protocol);
            assertIsolated(pair[1], protocol);
        }
    }

    /**
     * A session that keeps its connection (here: a temporary table pins it) and names another tenant
     * gets an error at once; it used to wait forever for a release that could not come.
     */
    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aSessionKeepingItsConnectionIsRefusedAnotherTenantAtOnce(Protocol protocol) throws Exception {
        try (Connection c = connect("app", "-c pgsteer.tenant=beta", protocol)) {
            query(c, protocol, "CREATE TEMP TABLE scratch (i int)");
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> query(c, protocol, "/* tenant=delta */ SELECT item FROM orders"));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertEquals(ownRows("beta"), query(c, protocol, "SELECT item FROM orders ORDER BY id"));
        }
        assertIsolated("delta", protocol);
        assertIsolated("beta", protocol);
    }

    /** A pinned user cannot reach another tenant by naming it as its database either. */
    @Test
    void aPinnedUserCannotNameAnotherTenantAsItsDatabase() {
        SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                () -> cluster.connect("beta_app", "delta", null).close());
        assertEquals("42501", e.getSQLState());
    }

    /** One session tries many things in a row; afterwards every tenant's next session is as it should be. */
    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aMixedSequenceLeavesNoTenantInAnotherTenantsState(Protocol protocol) throws Exception {
        Map<String, List<String>> before = allRows();
        for (String attacker : new String[] {"beta", "globex", "acme", "hooli"}) {
            String victim = VICTIM.get(attacker);
            try (Connection c = connect(attacker + "_app", null, protocol)) {
                for (Attempt a : attempts()) {
                    if (!a.attacker().equals(attacker) || a.outcome() == Outcome.KNOWN_GAP_WITHOUT_ROLE
                            || a.leavesAttackerPoolDirty() || !a.user().equals(attacker + "_app") || a.options() != null
                            || a.sql().stream().anyMatch(s -> s.contains("EXECUTE 'SET"))) {
                        continue;
                    }
                    run(c, protocol, a.in(protocol).sql());
                    assertEquals(ownRows(attacker), query(c, protocol, "SELECT item FROM orders ORDER BY id"), a.name());
                }
            }
            assertIsolated(victim, protocol);
            assertIsolated(attacker, protocol);
            dropWhatAttemptsCreated();
        }
        assertEquals(before, allRows());
    }

    // --- plumbing ---

    private static Connection connect(String user, String options, Protocol protocol) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", TenantCluster.PASSWORD);
        props.setProperty("preferQueryMode", protocol.preferQueryMode);
        // A statement pgsteer never answers fails the test instead of hanging it.
        props.setProperty("socketTimeout", "20");
        if (protocol == Protocol.SERVER_PREPARED) {
            props.setProperty("prepareThreshold", "1");
        }
        if (options != null) {
            props.setProperty("options", options);
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.port() + "/saas", props);
    }

    private static Connection superuser(int port, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
    }

    /** The first column of what {@code sql} returns (an update count as text when it returns no rows). */
    private static List<String> query(Connection c, Protocol protocol, String sql) throws SQLException {
        if (protocol == Protocol.SIMPLE) {
            try (Statement s = c.createStatement()) {
                return results(s, s.execute(sql));
            }
        }
        try (PreparedStatement p = c.prepareStatement(sql)) {
            return results(p, p.execute());
        }
    }

    private static List<String> results(Statement s, boolean isResultSet) throws SQLException {
        List<String> out = new ArrayList<>();
        boolean more = isResultSet;
        while (true) {
            if (more) {
                try (ResultSet rs = s.getResultSet()) {
                    out.clear();
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            } else if (s.getUpdateCount() == -1) {
                return out;
            }
            more = s.getMoreResults();
        }
    }

    private static List<String> rows(PreparedStatement p) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Every tenant's rows, read by the superuser (row-level security does not apply to it). */
    private static Map<String, List<String>> allRows() throws SQLException {
        return Map.of(
                "s0", column(s0, "SELECT 'acme:' || id || ':' || item FROM acme.orders UNION ALL "
                        + "SELECT 'beta:' || id || ':' || item FROM beta.orders UNION ALL "
                        + "SELECT 'delta:' || id || ':' || item FROM delta.orders ORDER BY 1"),
                "initech", column(initech, "SELECT id || ':' || item FROM orders ORDER BY 1"),
                "s1", column(s1, "SELECT tenant_id || ':' || id || ':' || item FROM public.orders ORDER BY 1"));
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static Set<String> names() {
        Set<String> names = new HashSet<>();
        for (Attempt a : attempts()) {
            if (!names.add(a.attacker() + ": " + a.name())) {
                fail("two attempts named " + a.name());
            }
        }
        return names;
    }

    @Test
    void theTableHasAtLeastFortyDistinctAttemptsInEveryMode() {
        assertTrue(names().size() >= 40, names().size() + " attempts");
        Set<String> modes = new HashSet<>();
        for (Attempt a : attempts()) {
            modes.add(switch (a.attacker()) {
                case "acme", "beta", "delta" -> "schema";
                case "globex", "umbrella", "hooli" -> "shared";
                default -> "database";
            });
        }
        assertEquals(Set.of("schema", "shared", "database"), modes);
    }
}
