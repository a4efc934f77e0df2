package dev.pgsteer.proxy.relay;

import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.FUNCTION_CALL;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.QUERY;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.SYNC;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.observe.InFlightClock;
import dev.pgsteer.proxy.observe.StatementTexts;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Times a session's requests: one per Query, Sync or FunctionCall, from when it goes to the
 * backend to the ReadyForQuery that answers it, into the statement timer and the slow-statement
 * log; and counts those still waiting for their answer. Allocates nothing per request.
 */
public final class StatementClock {

    /** Statements of this session, relayed unparsed: one per Query, Sync or FunctionCall, timed to its ReadyForQuery. */
    private final Timer timer;
    private final InFlightClock inFlightSince = new InFlightClock();
    /** The texts of the timed requests, for the slow-statement log. */
    private final StatementTexts texts;
    /** Queries, Syncs and function calls sent to the backend that its ReadyForQuery has not answered yet. */
    private int inFlight;

    public StatementClock(Timer timer, StatementTexts texts) {
        this.timer = timer;
        this.texts = texts;
    }

    /** Whether a message of this type is answered by a ReadyForQuery of its own. */
    public static boolean endsRequest(byte type) {
        return type == QUERY || type == SYNC || type == FUNCTION_CALL;
    }

    /** A client frame on its way to the backend, before it is written (it is read, not consumed). */
    public void sent(Frame frame) {
        texts.frame(frame);
        if (endsRequest(frame.type())) {
            inFlight++;
            inFlightSince.sent(System.nanoTime());
        }
    }

    /** A ReadyForQuery came: the oldest request is answered. */
    public void answered() {
        inFlight = Math.max(0, inFlight - 1);
        long took = inFlightSince.answered(System.nanoTime());
        if (took >= 0) {
            timer.record(took, TimeUnit.NANOSECONDS);
            texts.answered(took);
        }
    }

    /** Some request sent has not had its ReadyForQuery yet. */
    public boolean awaitingAnswers() {
        return inFlight > 0;
    }
}
