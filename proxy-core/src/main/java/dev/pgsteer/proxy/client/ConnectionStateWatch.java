package dev.pgsteer.proxy.client;

import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.FUNCTION_CALL;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.PARSE;

import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.frontend.FunctionCall;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.router.session.SessionStateScanner;
import dev.pgsteer.router.tenant.LargeObjectFunctions;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Watches one session's statements for state that stays on its backend connection, and says what
 * the relay must do about it before the connection goes to another session:
 * <ul>
 *   <li><b>pin</b> the session to the connection, for state that cannot move (temporary objects,
 *       session advisory locks, LISTEN, WITH HOLD cursors, SQL PREPARE, LOAD, SET SESSION
 *       AUTHORIZATION); the reason is kept for SHOW CLIENTS and the log;</li>
 *   <li><b>capture</b> the connection's session settings once the transaction is over, after a
 *       session-level SET, RESET or set_config of a setting the backend does not report (those it
 *       reports arrive as ParameterStatus), or code that may have changed one unseen (DO, CALL,
 *       FunctionCall): what the capture reads the session carries to its next connection;</li>
 *   <li><b>restore</b> the session's startup values after a RESET, RESET ALL or DISCARD ALL, which
 *       put back the values of pgsteer's login, not those of the client's startup packet.</li>
 * </ul>
 * Statements are read by {@link SessionStateScanner} (tokens, not words: a keyword in a string or a
 * comment is no keyword). A named statement's findings are remembered and count again at each Bind.
 */
public final class ConnectionStateWatch {
    /** Command tags after which a connection carries state that pgsteer does not carry to another one. */
    private static final Map<String, String> PINNING_TAGS = Map.of("LISTEN", "LISTEN", "PREPARE", "SQL PREPARE");
    /** Command tags after which no named statement exists any more on the connection, nor in the session. */
    private static final Set<String> DEALLOCATING_TAGS = Set.of("DISCARD ALL", "DEALLOCATE ALL");

    /** What a command tag means for the session. */
    public record TagEffect(String pinReason, boolean statementsDeallocated) {
        static final TagEffect NONE = new TagEffect(null, false);
    }

    /** What one statement text does, kept for a named statement so that each Bind of it counts again. */
    record Findings(String pinReason, boolean capture, boolean captureAll, boolean resetAll, Set<String> resets,
                    Set<String> names) {
        /** What nearly every statement does: nothing that stays. */
        static final Findings NONE = new Findings(null, false, false, false, Set.of(), Set.of());
    }

    private String pinReason;
    /** The connection's unreported settings may differ from what the session is known to want. */
    private boolean captureDue;
    /** ... and which of them is not known: every setting is to be read (pg_settings), not only those named. */
    private boolean captureAll;
    private boolean restoreAll;
    private Set<String> restoreNames = Set.of();
    /** Unreported settings the session's statements named since the last capture: the capture asks for them by name. */
    private Set<String> captureNames = Set.of();
    /** Findings of the session's named statements (client names; "" for the unnamed one), only those with any. */
    private Map<String, Findings> named = Map.of();
    // The three above are empty immutable ones until a statement puts something in them, and again
    // once they are emptied: almost no session ever fills them, and an idle one holds no set or map
    // (three per client, about 200 bytes each, with 10,000 idle clients; bench/RESULTS.md).
    /**
     * A direct buffer's statement text, copied for the scan; made at the first such statement, not at
     * login: an idle session holds none (10,000 idle clients, 2.7 MB of heap).
     */
    private byte[] scratch = NO_BYTES;
    private static final byte[] NO_BYTES = new byte[0];
    /** One collector, reused: the scan of a statement that changes nothing allocates nothing here. */
    private final Scan scan = new Scan();

    public boolean pinned() {
        return pinReason != null;
    }

    /** Why the session keeps its connection, or null. */
    public String pinReason() {
        return pinReason;
    }

    public boolean captureDue() {
        return captureDue;
    }

    /** The capture ran while idle: the session's settings are known again. */
    public void captured() {
        captureDue = false;
        captureAll = false;
        captureNames = Set.of();
    }

    /** Whether the capture must read every setting: code ran that may have changed settings it does not name. */
    public boolean captureAll() {
        return captureAll;
    }

    public Set<String> captureNames() {
        return captureNames;
    }

    /** Whether a RESET asks for startup values back; {@link #restoreAll()} or {@link #restoreNames()} say which. */
    public boolean restoreDue() {
        return restoreAll || !restoreNames.isEmpty();
    }

    public boolean restoreAll() {
        return restoreAll;
    }

    public Set<String> restoreNames() {
        return restoreNames;
    }

    /** The restore ran (or the RESET it answered was rolled back). */
    public void restored() {
        restoreAll = false;
        restoreNames = Set.of();
    }

    /**
     * A Query, Parse or FunctionCall on its way to the backend; the reason if it pins the session now, else null.
     *
     * @param reported         the settings the backend reports (their changes need no capture)
     * @param backslashQuotes  whether standard_conforming_strings is off for the session
     */
    public String onStatement(Frame frame, Map<String, String> reported, boolean backslashQuotes) {
        if (frame.type() == FUNCTION_CALL) {
            if (!LargeObjectFunctions.contains(FunctionCall.of(frame).functionOid())) {
                // A function called by its OID (set_config, say): its text is not here to read. The
                // large-object functions, which drivers call this way, change no setting.
                captureDue = true;
                captureAll = true;
            }
            return null;
        }
        ByteBuf body = frame.body();
        int start = body.readerIndex();
        int nameStart = start;
        if (frame.type() == PARSE) {
            start = body.indexOf(start, body.writerIndex(), (byte) 0) + 1;
        }
        int end = body.indexOf(start, body.writerIndex(), (byte) 0);
        int length = (end < 0 ? body.writerIndex() : end) - start;
        scan.reset(reported);
        if (body.hasArray()) {
            SessionStateScanner.scan(body.array(), body.arrayOffset() + start, length, backslashQuotes, scan);
        } else {
            // A direct buffer: one copy into a reused array is cheaper than checked reads byte by byte.
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, Math.max(256, scratch.length * 2))];
            }
            body.getBytes(start, scratch, 0, length);
            SessionStateScanner.scan(scratch, 0, length, backslashQuotes, scan);
        }
        Findings findings = scan.findings();
        if (frame.type() == PARSE && (findings != Findings.NONE || !named.isEmpty())) {
            String statementName = body.toString(nameStart, start - 1 - nameStart, StandardCharsets.UTF_8);
            if (findings == Findings.NONE) {
                named.remove(statementName);   // not empty here, so a HashMap
            } else {
                if (named.isEmpty()) {
                    named = new HashMap<>();
                }
                named.put(statementName, findings);
            }
        }
        return apply(findings);
    }

    /**
     * One statement's text, read by a session that has it decoded already (a sharded session); the
     * reason if it pins the session now, else null.
     */
    public String onText(String text, Map<String, String> reported, boolean backslashQuotes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        scan.reset(reported);
        SessionStateScanner.scan(bytes, 0, bytes.length, backslashQuotes, scan);
        return apply(scan.findings());
    }

    /** A Bind of a statement: its statement's findings count again, as it runs again. */
    public String onBind(Frame bind) {
        if (named.isEmpty()) {
            return null;
        }
        Findings findings = named.get(StatementFrames.bindStatement(bind));
        return findings == null ? null : apply(findings);
    }

    private String apply(Findings findings) {
        if (findings == Findings.NONE) {
            return null;
        }
        captureDue |= findings.capture();
        captureAll |= findings.captureAll();
        restoreAll |= findings.resetAll();
        restoreNames = union(restoreNames, findings.resets());
        captureNames = union(captureNames, findings.names());
        return pin(findings.pinReason());
    }

    public TagEffect onCommandComplete(Frame frame) {
        if (!mayChangeState(frame.body().readableBytes())) {
            return TagEffect.NONE;
        }
        String tag = CommandComplete.decode(frame.body()).tag();
        boolean deallocated = DEALLOCATING_TAGS.contains(tag);
        String pinReason = pin(PINNING_TAGS.get(tag));
        if (deallocated) {
            named = Map.of();
        }
        return deallocated || pinReason != null ? new TagEffect(pinReason, deallocated) : TagEffect.NONE;
    }

    /** {@code names} with {@code more} added, in order: the same set when there is nothing to add. */
    private static Set<String> union(Set<String> names, Set<String> more) {
        if (more.isEmpty()) {
            return names;
        }
        Set<String> union = names.isEmpty() ? new LinkedHashSet<>() : names;
        union.addAll(more);
        return union;
    }

    private String pin(String reason) {
        if (reason == null || pinReason != null) {
            return null;
        }
        pinReason = reason;
        return reason;
    }

    /**
     * Whether a command tag of this many bytes (with its NUL) can be one of the tags above: lets
     * the hot path skip decoding "SELECT 1" and "INSERT 0 1" into strings.
     */
    private static boolean mayChangeState(int tagBytes) {
        return tagBytes == 7 || tagBytes == 8 || tagBytes == 12 || tagBytes == 15;
    }

    /** Collects what the scanner finds in one statement text. */
    private static final class Scan implements SessionStateScanner.Effects {
        private Map<String, String> reported = Map.of();
        private String pinReason;
        private boolean capture;
        private boolean captureAll;
        private boolean resetAll;
        private Set<String> resets = Set.of();
        private Set<String> names = Set.of();

        void reset(Map<String, String> reportedSettings) {
            reported = reportedSettings;
            pinReason = null;
            capture = false;
            captureAll = false;
            resetAll = false;
            resets = Set.of();
            names = Set.of();
        }

        @Override
        public void pins(String reason) {
            if (pinReason == null) {
                pinReason = reason;
            }
        }

        @Override
        public void setsSession(String name) {
            named(name);
        }

        @Override
        public void resets(String name) {
            named(name);
            if (resets.isEmpty()) {
                resets = new LinkedHashSet<>();
            }
            resets.add(name);
        }

        @Override
        public void resetsAll() {
            // Every setting goes back: those the session is known to have are read again by name.
            resetAll = true;
            capture = true;
        }

        @Override
        public void mayChangeSettings(String what) {
            capture = true;
            captureAll = true;
        }

        /** A setting the statement names: one the backend reports needs no capture (ParameterStatus tells). */
        private void named(String name) {
            if (reported.containsKey(name)) {
                return;
            }
            capture = true;
            if (names.isEmpty()) {
                names = new LinkedHashSet<>();
            }
            names.add(name);
        }

        Findings findings() {
            if (pinReason == null && !capture && !resetAll && resets.isEmpty()) {
                return Findings.NONE;
            }
            return new Findings(pinReason, capture, captureAll, resetAll, resets, names);
        }
    }
}
