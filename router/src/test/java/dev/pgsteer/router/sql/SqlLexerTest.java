package dev.pgsteer.router.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlLexerTest {

    @Test
    void literalsBecomePlaceholdersSoEqualShapesShareAPlan() {
        LexedStatement a = SqlLexer.statement("SELECT v FROM t WHERE id = 42");
        LexedStatement b = SqlLexer.statement("SELECT v FROM t WHERE id = 7");

        assertEquals("SELECT v FROM t WHERE id = $1", a.shape());
        assertEquals(a.shape(), b.shape());
        assertEquals(List.of("42"), a.literals());
        assertEquals("SELECT", a.firstKeyword());
    }

    @Test
    void placeholdersAreNumberedAfterTheStatementsOwnParameters() {
        LexedStatement s = SqlLexer.statement("SELECT * FROM t WHERE a = $2 AND b = 'x' AND c = $1");

        assertEquals("SELECT * FROM t WHERE a = $2 AND b = $3 AND c = $1", s.shape());
        assertEquals(2, s.parameterCount());
        assertEquals(3, s.placeholderOf(0));
    }

    @Test
    void stringsResolveTheirQuotesAndEscapes() {
        LexedStatement s = SqlLexer.statement("SELECT 'it''s', E'a\\nb', $$dollar 'quoted'$$, $tag$x$tag$");

        assertEquals(List.of("it's", "a\nb", "dollar 'quoted'", "x"), s.literals());
        assertEquals(List.of("'it''s'", "E'a\\nb'", "$$dollar 'quoted'$$", "$tag$x$tag$"), s.rawLiterals());
        assertEquals("SELECT $1, $2, $3, $4", s.shape());
    }

    @Test
    void aMinusAfterAnOperatorIsPartOfTheNumber() {
        assertEquals(List.of("-5", "-1.5e3"), SqlLexer.statement("SELECT * FROM t WHERE id = -5 OR x IN (-1.5e3)").literals());
        assertEquals("SELECT a - $1 FROM t", SqlLexer.statement("SELECT a - 5 FROM t").shape());
    }

    @Test
    void identifiersWithDigitsAndQuotedIdentifiersAreNotLiterals() {
        LexedStatement s = SqlLexer.statement("SELECT t1.\"Col 2\" FROM t1 WHERE x2 = 3");

        assertEquals("SELECT t1.\"Col 2\" FROM t1 WHERE x2 = $1", s.shape());
        assertEquals(List.of("3"), s.literals());
    }

    @Test
    void routingCommentsAtTheHeadBecomeHints() {
        LexedStatement s = SqlLexer.statement("/* shard=s1, tenant='acme' */ SELECT 1");

        assertEquals(Map.of("shard", "s1", "tenant", "acme"), s.hints());
        assertEquals("SELECT $1", s.shape());
    }

    @Test
    void commentsAfterTheFirstWordAreNotHints() {
        LexedStatement s = SqlLexer.statement("SELECT /* shard=s1 */ 1 -- key=2\n");

        assertEquals(Map.of(), s.hints());
        assertEquals("SELECT $1", s.shape());
    }

    @Test
    void aQueryStringSplitsAtTopLevelSemicolonsOnly() {
        List<LexedStatement> statements = SqlLexer.statements("BEGIN; SELECT ';' /* ; */; -- ;\n ; COMMIT");

        assertEquals(List.of("BEGIN", "SELECT", "COMMIT"), statements.stream().map(LexedStatement::firstKeyword).toList());
        assertEquals("SELECT ';' /* ; */", statements.get(1).text());
    }

    @Test
    void nestedBlockCommentsEndWhereTheOutermostDoes() {
        assertEquals("SELECT $1", SqlLexer.statement("/* a /* b */ c */ SELECT 1").shape());
    }

    @Test
    void emptyStatementsAreDropped() {
        assertEquals(0, SqlLexer.statements(" ; -- nothing\n").size());
    }
}
