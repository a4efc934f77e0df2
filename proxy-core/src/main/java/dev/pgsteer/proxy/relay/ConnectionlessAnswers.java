package dev.pgsteer.proxy.relay;

import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.FLUSH;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.SYNC;

import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.relay.prepared.LocalAnswer;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import io.netty.channel.Channel;

/**
 * Answers, while the session holds no connection and has nothing under way, what PostgreSQL
 * would answer the same way on any connection: a Sync (ReadyForQuery, idle), a Flush, and what
 * the statement relay answers (a Parse of a statement known valid in the session's scope, a
 * Close, SQL DEALLOCATE of one of the session's names). A client that prepares synchronously
 * (PQprepare) must not wait here for a connection: a sibling on its thread may hold the last
 * one in an open transaction, and cannot end it while the thread waits. Not while the client
 * is slow to read what it is sent, where answers would pile up in pgsteer instead.
 */
final class ConnectionlessAnswers {

    private final ClientSession session;
    private final Channel client;
    private final StatementRelay statements;
    private final Pinning pinning;
    private final Lease lease;

    ConnectionlessAnswers(ClientSession session, StatementRelay statements, Pinning pinning, Lease lease) {
        this.session = session;
        this.client = session.channel();
        this.statements = statements;
        this.pinning = pinning;
        this.lease = lease;
    }

    /**
     * Returns true when {@code frame} was answered (and consumed). {@code readingClient}: the
     * client's read-complete flushes what was written while its frames were handed in.
     */
    boolean answered(Frame frame, boolean readingClient) {
        if (session.phase() != Phase.READY || session.transactionStatus() != TransactionStatus.IDLE || !client.isWritable()) {
            return false;
        }
        byte type = frame.type();
        if (type == SYNC || type == FLUSH) {
            frame.release();
            if (type == SYNC) {
                session.send(ReadyForQuery.IDLE);
            }
            flushUnless(readingClient);
            return true;
        }
        if (type == StatementFrames.PARSE) {
            if (StatementFrames.parsesUnnamed(frame)) {
                // The unnamed statement lives on the connection its Bind runs on; the common case, told from one byte.
                return false;
            }
            if (pinning.onStatement(frame)) {
                // Its statement's state stays on a connection: it must run on one, which the session keeps.
                return false;
            }
        }
        LocalAnswer answer = statements.answerWithoutConnection(frame, lease.pool().target());
        if (answer == LocalAnswer.NONE) {
            return false;
        }
        client.write(answer.message(), client.voidPromise());
        if (answer.completesQuery()) {
            session.send(ReadyForQuery.IDLE);
        }
        flushUnless(readingClient);
        return true;
    }

    private void flushUnless(boolean readingClient) {
        if (!readingClient) {
            client.flush();
        }
    }
}
