package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.router.session.SessionStateScanner;
import dev.pgsteer.router.sql.LexedStatement;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Statements of the session seen to change no session state, by identity: the statement of a
 * prepared statement (or of the same unnamed Parse again, {@code RecentParse}) is the same object at
 * every Execute, and scanning its text again for settings, pins and resets finds nothing again. The
 * scan's answer depends only on the text and on how backslashes quote, so a statement in which the
 * scanner reports nothing at all, whatever the settings the shards report, needs no scan at the next
 * Execute; one in which it reports anything is scanned every time, as before. A few entries, replaced
 * in turn: a session runs a few statements over and over.
 */
final class QuietStatements {
    private static final int SIZE = 8;

    private final LexedStatement[] known = new LexedStatement[SIZE];
    private int next;
    private boolean backslashQuotes;

    /** Whether {@code statement} (this object) was seen to change nothing, with backslashes quoting as now. */
    boolean known(LexedStatement statement, boolean backslashQuotes) {
        if (backslashQuotes != this.backslashQuotes) {
            // Strings read differently now: what was scanned before is scanned again.
            Arrays.fill(known, null);
            this.backslashQuotes = backslashQuotes;
            return false;
        }
        for (LexedStatement quiet : known) {
            if (quiet == statement) {
                return true;
            }
        }
        return false;
    }

    /** Scans {@code statement} once more and remembers it if the scanner reports nothing in it. */
    void learn(LexedStatement statement) {
        byte[] text = statement.text().getBytes(StandardCharsets.UTF_8);
        Heard heard = new Heard();
        SessionStateScanner.scan(text, 0, text.length, backslashQuotes, heard);
        if (!heard.any) {
            known[next] = statement;
            next = (next + 1) % SIZE;
        }
    }

    /** Whether the scanner reported anything at all. */
    private static final class Heard implements SessionStateScanner.Effects {
        private boolean any;

        @Override
        public void pins(String reason) {
            any = true;
        }

        @Override
        public void setsSession(String name) {
            any = true;
        }

        @Override
        public void resets(String name) {
            any = true;
        }

        @Override
        public void resetsAll() {
            any = true;
        }

        @Override
        public void mayChangeSettings(String what) {
            any = true;
        }
    }
}
