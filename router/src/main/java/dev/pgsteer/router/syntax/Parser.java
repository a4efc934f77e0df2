package dev.pgsteer.router.syntax;

import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;

/** JSQLParser, the slow step of routing: run once per shape (then cached), off the event loop. */
public final class Parser {
    private Parser() {
    }

    /** The tree of {@code sql}, or null when JSQLParser cannot read it (or overflows its stack trying). */
    public static Statement parse(String sql) {
        try {
            return CCJSqlParserUtil.parse(sql);
        } catch (JSQLParserException | RuntimeException | StackOverflowError e) {
            return null;
        }
    }
}
