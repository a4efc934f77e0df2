package dev.pgsteer.router.tenant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The channels of tenant acme, as its statements name them and as the backend gets them. */
class ChannelRewriterTest {
    private static final TenantChannel ACME = TenantChannel.of("acme");

    private static ChannelRewriter.Rewrite rewrite(String sql, boolean backslashQuotes) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        return ChannelRewriter.rewrite(bytes, 0, bytes.length, backslashQuotes, ACME);
    }

    private static String rewritten(String sql) {
        ChannelRewriter.Rewrite r = rewrite(sql, false);
        return r instanceof ChannelRewriter.Rewrite.Rewritten w ? new String(w.sql(), StandardCharsets.UTF_8)
                : r instanceof ChannelRewriter.Rewrite.Unchanged ? sql : r.toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " ~> ", quoteCharacter = '`', textBlock = """
            LISTEN orders ~> LISTEN "acme:orders"
            listen Orders ~> listen "acme:orders"
            LISTEN "Orders" ~> LISTEN "acme:Orders"
            LISTEN "a""b" ~> LISTEN "acme:a""b"
            UNLISTEN orders ~> UNLISTEN "acme:orders"
            UNLISTEN * ~> UNLISTEN *
            NOTIFY orders ~> NOTIFY "acme:orders"
            NOTIFY orders, 'new order' ~> NOTIFY "acme:orders", 'new order'
            /* c */ NOTIFY -- x\\n orders ~> /* c */ NOTIFY -- x\\n "acme:orders"
            SELECT 1; LISTEN a; NOTIFY b, 'x' ~> SELECT 1; LISTEN "acme:a"; NOTIFY "acme:b", 'x'
            SELECT pg_notify('orders', 'x') ~> SELECT pg_notify('acme:orders', 'x')
            SELECT pg_catalog.pg_notify('it''s', 'x') ~> SELECT pg_catalog.pg_notify('acme:it''s', 'x')
            SELECT PG_NOTIFY($$orders$$, 'x') ~> SELECT PG_NOTIFY('acme:orders', 'x')
            SELECT "pg_notify"('orders', 'x') ~> SELECT "pg_notify"('acme:orders', 'x')
            SELECT pg_notify($1, $2) ~> SELECT pg_notify(('acme:'::text || NULLIF(($1)::text, '')), $2)
            SELECT pg_notify(c, p) FROM outbox ~> SELECT pg_notify(('acme:'::text || NULLIF((c)::text, '')), p) FROM outbox
            SELECT pg_notify('a' || 'b', 'x') ~> SELECT pg_notify(('acme:'::text || NULLIF(('a' || 'b')::text, '')), 'x')
            SELECT pg_notify(E'a\\\\b', 'x') ~> SELECT pg_notify(('acme:'::text || NULLIF((E'a\\\\b')::text, '')), 'x')
            SELECT pg_notify(f(1, 2), 'x') ~> SELECT pg_notify(('acme:'::text || NULLIF((f(1, 2))::text, '')), 'x')
            SELECT pg_notify(pg_notify('a', 'b')::text || 'c', 'x') ~> SELECT pg_notify(('acme:'::text || NULLIF((pg_notify('acme:a', 'b')::text || 'c')::text, '')), 'x')
            CREATE RULE r AS ON INSERT TO t DO ALSO NOTIFY t ~> CREATE RULE r AS ON INSERT TO t DO ALSO NOTIFY "acme:t"
            CREATE RULE r AS ON INSERT TO t DO (NOTIFY a; NOTIFY b) ~> CREATE RULE r AS ON INSERT TO t DO (NOTIFY "acme:a"; NOTIFY "acme:b")
            SELECT notify, listen FROM events ~> SELECT notify, listen FROM events
            CREATE TABLE t (notify text, listen text) ~> CREATE TABLE t (notify text, listen text)
            SELECT 'LISTEN x; pg_notify(''y'', ''z'')' ~> SELECT 'LISTEN x; pg_notify(''y'', ''z'')'
            SELECT pg_notify ~> SELECT pg_notify
            """)
    void rewritesTheChannelsAStatementNames(String sql, String expected) {
        assertEquals(expected.replace("\\n", "\n"), rewritten(sql.replace("\\n", "\n")));
    }

    @Test
    void codeInsideAFunctionBodyIsLeftAsItIs() {
        // What it sends goes to a channel no tenant hears; what it listens to is dropped on the way back.
        String sql = "DO $$BEGIN PERFORM pg_notify('orders', 'x'); EXECUTE 'LISTEN orders'; END$$";
        assertEquals(sql, rewritten(sql));
    }

    @Test
    void aConstantWithBackslashesReadsTheSameWhateverStandardConformingStrings() {
        ChannelRewriter.Rewrite r = rewrite("SELECT pg_notify('a\\b', 'x')", false);
        assertEquals("SELECT pg_notify(E'acme:a\\\\b', 'x')", new String(((ChannelRewriter.Rewrite.Rewritten) r).sql(), StandardCharsets.UTF_8));
        // With standard_conforming_strings off the constant holds an escape: the backend reads its value.
        r = rewrite("SELECT pg_notify('a\\'b', 'x')", true);
        assertEquals("SELECT pg_notify(('acme:'::text || NULLIF(('a\\'b')::text, '')), 'x')",
                new String(((ChannelRewriter.Rewrite.Rewritten) r).sql(), StandardCharsets.UTF_8));
    }

    @Test
    void aChannelThatDoesNotFitBesideThePrefixIsRefusedWithItsLimit() {
        String fits = "c".repeat(63 - "acme:".length());
        assertEquals("LISTEN \"acme:" + fits + "\"", rewritten("LISTEN " + fits));
        var refused = assertInstanceOf(ChannelRewriter.Rewrite.Refused.class, rewrite("LISTEN " + fits + "x", false));
        assertEquals("42622", refused.sqlState());
        assertTrue(refused.hint().contains("at most 58 bytes"), refused.hint());
        refused = assertInstanceOf(ChannelRewriter.Rewrite.Refused.class, rewrite("SELECT pg_notify('" + fits + "x', '')", false));
        assertEquals("22023", refused.sqlState());
        assertEquals("channel name too long", refused.message());
    }

    @Test
    void anIdentifierIsTruncatedAsPostgresqlTruncatesItBeforeThePrefixIsAdded() {
        // 70 letters: PostgreSQL reads the first 63, which do not fit beside the prefix.
        assertInstanceOf(ChannelRewriter.Rewrite.Refused.class, rewrite("LISTEN " + "x".repeat(70), false));
    }

    @Test
    void namedArgumentsAndUnicodeEscapedNamesAreRefused() {
        assertEquals("0A000", assertInstanceOf(ChannelRewriter.Rewrite.Refused.class,
                rewrite("SELECT pg_notify(channel => 'a', payload => 'b')", false)).sqlState());
        assertEquals("0A000", assertInstanceOf(ChannelRewriter.Rewrite.Refused.class,
                rewrite("LISTEN U&\"d\\0061t\"", false)).sqlState());
    }

    @Test
    void emptyChannelsAreLeftForPostgresqlToRefuse() {
        assertEquals("SELECT pg_notify('', 'x')", rewritten("SELECT pg_notify('', 'x')"));
        assertEquals("LISTEN \"\"", rewritten("LISTEN \"\""));
    }

    @Test
    void onlyTextNamingListenOrNotifyIsRead() {
        assertTrue(ChannelRewriter.mayNameChannel("select PG_NOTIFY(1)"));
        assertTrue(ChannelRewriter.mayNameChannel("Listen x"));
        assertFalse(ChannelRewriter.mayNameChannel("SELECT * FROM orders"));
    }

    @Test
    void notificationsComeBackUnderTheTenantsOwnNameOrNotAtAll() {
        byte[] mine = "acme:orders".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals("orders".getBytes(StandardCharsets.UTF_8), ACME.clientName(mine));
        assertNull(ACME.clientName("beta:orders".getBytes(StandardCharsets.UTF_8)));
        assertNull(ACME.clientName("orders".getBytes(StandardCharsets.UTF_8)));
        assertNull(ACME.clientName("acme".getBytes(StandardCharsets.UTF_8)));
        assertNull(TenantChannel.of("acme.eu").clientName(mine));
    }

    @Test
    void noTenantsPrefixIsAnothersAndLongIdsAreShortened() {
        assertEquals("acme:", ACME.prefixText());
        assertEquals(":", TenantChannel.of("").prefixText());
        String longId = "a".repeat(40);
        String prefix = TenantChannel.of(longId).prefixText();
        assertTrue(prefix.length() <= 26 && prefix.contains("~") && prefix.endsWith(":"), prefix);
        assertFalse(prefix.equals(TenantChannel.of("a".repeat(39) + "b").prefixText()));
    }
}
