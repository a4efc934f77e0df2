package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.router.ConnectionStateDetector;
import io.netty.buffer.ByteBuf;
import java.util.Set;

/**
 * Watches one session's traffic for state that stays on its backend connection: what pins the
 * session to that connection, when the startup values need putting back, when prepared statements
 * are gone. It reads statement texts as bytes and decodes only the few command tags that matter.
 */
final class ConnectionStateWatch {
    /** The command tag of SET, whose change the backend reports before ReadyForQuery if the setting is a reported one. */
    private static final String SET_TAG = "SET";
    /**
     * Command tags after which a connection carries state that pgsteer does not carry to another
     * one. RESET is among them: its tag does not tell RESET x from RESET ALL.
     */
    private static final Set<String> PINNING_TAGS = Set.of("RESET", "DISCARD ALL", "LISTEN", "PREPARE");
    /** Command tags after which no named statement exists any more on the connection, nor in the session. */
    private static final Set<String> DEALLOCATING_TAGS = Set.of("DISCARD ALL", "DEALLOCATE ALL");
    /** Command tags after which the backend's values are its own defaults, not the session's startup values. */
    private static final Set<String> RESETTING_TAGS = Set.of("RESET", "DISCARD ALL");
    private static final byte PARSE = 'P';

    /** What a command tag means for the session. */
    record TagEffect(String pinReason, boolean statementsDeallocated) {
        static final TagEffect NONE = new TagEffect(null, false);
    }

    private boolean pinned;
    private boolean restoreStartup;
    private byte[] scratch = new byte[256];
    /** Since the last ReadyForQuery: statements that changed settings, and settings the backend reported. */
    private int settingChanges;
    private int settingReports;

    boolean pinned() {
        return pinned;
    }

    /** A Query or Parse on its way to the backend; the reason if it pins the session now, else null. */
    String onStatement(Frame frame) {
        if (pinned) {
            return null;
        }
        ByteBuf body = frame.body();
        int start = body.readerIndex();
        if (frame.type() == PARSE) {
            start = body.indexOf(start, body.writerIndex(), (byte) 0) + 1;
        }
        int end = body.indexOf(start, body.writerIndex(), (byte) 0);
        int length = (end < 0 ? body.writerIndex() : end) - start;
        if (body.hasArray()) {
            return pin(ConnectionStateDetector.pinningReason(body.array(), body.arrayOffset() + start, length).orElse(null));
        }
        // A direct buffer: one copy into a reused array is cheaper than checked reads byte by byte.
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        body.getBytes(start, scratch, 0, length);
        return pin(ConnectionStateDetector.pinningReason(scratch, 0, length).orElse(null));
    }

    /** The backend reported a setting a session can carry to another connection. */
    void onSettingReported() {
        settingReports++;
    }

    TagEffect onCommandComplete(Frame frame) {
        if (!mayChangeState(frame.body().readableBytes())) {
            return TagEffect.NONE;
        }
        String tag = CommandComplete.decode(frame.body()).tag();
        boolean deallocated = DEALLOCATING_TAGS.contains(tag);
        String pinReason = null;
        if (SET_TAG.equals(tag)) {
            settingChanges++;
        } else if (PINNING_TAGS.contains(tag)) {
            pinReason = pin(tag);
            restoreStartup |= RESETTING_TAGS.contains(tag);
        }
        return deallocated || pinReason != null ? new TagEffect(pinReason, deallocated) : TagEffect.NONE;
    }

    /**
     * PostgreSQL reports changed settings just before ReadyForQuery, after the SET's CommandComplete:
     * only here can a SET be told apart from one it did not report. The reason if that pins now.
     */
    String onReadyForQuery() {
        String reason = settingChanges > settingReports ? pin("a SET of a setting the backend does not report") : null;
        settingChanges = 0;
        settingReports = 0;
        return reason;
    }

    /** Whether a RESET or DISCARD ALL ran since the startup values were last put back. */
    boolean restoreStartupDue() {
        return restoreStartup;
    }

    void startupRestoreStarted() {
        restoreStartup = false;
    }

    private String pin(String reason) {
        if (reason == null || pinned) {
            return null;
        }
        pinned = true;
        return reason;
    }

    /**
     * Whether a command tag of this many bytes (with its NUL) can be one of the tags above: lets
     * the hot path skip decoding "SELECT 1" and "INSERT 0 1" into strings.
     */
    private static boolean mayChangeState(int tagBytes) {
        return tagBytes == 4 || tagBytes == 6 || tagBytes == 7 || tagBytes == 8 || tagBytes == 12 || tagBytes == 15;
    }

}
