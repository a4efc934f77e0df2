package dev.pgsteer.proxy.sharding.relay;

import static dev.pgsteer.proxy.testkit.ClientFrames.bind;
import static dev.pgsteer.proxy.testkit.ClientFrames.close;
import static dev.pgsteer.proxy.testkit.ClientFrames.empty;
import static dev.pgsteer.proxy.testkit.ClientFrames.execute;
import static dev.pgsteer.proxy.testkit.ClientFrames.functionCall;
import static dev.pgsteer.proxy.testkit.ClientFrames.parse;
import static dev.pgsteer.proxy.testkit.ClientFrames.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.testkit.ClientSessions;
import dev.pgsteer.proxy.testkit.ClientWire;
import dev.pgsteer.proxy.testkit.NoShards;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's units, seen from the client: each unit (a Query, or extended messages up to a Sync)
 * is answered in turn and ends with ReadyForQuery, the client is read while no unit runs, and a
 * failed unit skips the rest up to its Sync. Only statements pgsteer answers itself are sent here
 * (no shard is reached); what the shards do is pinned by ShardingIT and PreparedStatementsIT.
 */
class ShardedRelayTest {
    private final ClientWire client = new ClientWire();
    private final ShardedRelay relay = new ShardedRelay(ClientSessions.ready(client.channel()),
            NoShards.database("s1", "s2"));

    @AfterEach
    void idleAndReading() {
        assertEquals(ShardedRelay.Unit.IDLE, relay.unit());
        assertTrue(client.channel().config().isAutoRead(), "the client is read while no unit runs");
    }

    @Test
    void aQueryIsAUnitThatEndsWithReadyForQuery() {
        send(query("BEGIN"));
        assertEquals(List.of("C BEGIN", "Z T"), client.messages());
        send(query("COMMIT"));
        assertEquals(List.of("C COMMIT", "Z I"), client.messages());
    }

    @Test
    void anEmptyQueryIsAnsweredEmpty() {
        send(query(""));
        assertEquals(List.of("I", "Z I"), client.messages());
    }

    @Test
    void extendedMessagesWaitForTheirSyncThenParseBindAndCloseAreAnsweredByPgsteer() {
        send(parse("", "SELECT 1"), bind("", ""));
        assertEquals(List.of(), client.messages(), "no Sync or Flush yet: the unit is not complete");
        send(close('P', ""), empty('S'));
        assertEquals(List.of("1", "2", "3", "Z I"), client.messages());
    }

    @Test
    void anErrorSkipsTheRestOfTheUnitUpToItsSyncAndTheNextUnitRuns() {
        send(bind("", "nope"), execute("", 0), empty('S'), query("BEGIN"));
        assertEquals(List.of("E 26000 prepared statement \"nope\" does not exist", "Z I", "C BEGIN", "Z T"),
                client.messages());
    }

    @Test
    void aFailureOutlivesAFlushSoAQueryBeforeTheSyncIsSkippedToo() {
        send(parse("a", "SELECT 1"), parse("a", "SELECT 2"), empty('H'), query("BEGIN"), empty('S'));
        assertEquals(List.of("1", "E 42P05 prepared statement \"a\" already exists", "Z I"), client.messages());
    }

    @Test
    void aFunctionCallIsRefused() {
        send(functionCall());
        assertEquals(List.of("E 0A000 function calls (the protocol's FunctionCall) are not supported on a sharded database",
                "Z I"), client.messages());
    }

    @Test
    void aFailedTransactionRefusesStatementsUntilItEnds() {
        send(query("BEGIN"), query("COMMIT PREPARED 'x'"), query("SELECT 1"), query("ROLLBACK"));
        assertEquals(List.of("C BEGIN", "Z T",
                "E 0A000 COMMIT PREPARED is not supported on a sharded database", "Z E",
                "E 25P02 current transaction is aborted, commands ignored until end of transaction block", "Z E",
                "C ROLLBACK", "Z I"), client.messages());
    }

    @Test
    void deallocateAllForgetsTheSessionsStatements() {
        send(parse("a", "SELECT 1"), empty('S'), query("DEALLOCATE ALL"), bind("", "a"), empty('S'));
        assertEquals(List.of("1", "Z I", "C DEALLOCATE ALL", "Z I",
                "E 26000 prepared statement \"a\" does not exist", "Z I"), client.messages());
    }

    @Test
    void whileAUnitRunsTheClientIsReadUntilItsNextUnitComesWhichWaitsItsTurn() {
        // A new shape is planned off the loop (here at once) and routed back on it: the unit runs until then.
        relay.onClientFrame(query("EXPLAIN ROUTE SELECT 1"));
        assertEquals(ShardedRelay.Unit.RUNNING, relay.unit());
        assertTrue(client.channel().config().isAutoRead(), "a client waiting for its answer is still read: no toggle per unit");
        relay.onClientFrame(query("BEGIN"));
        assertFalse(client.channel().config().isAutoRead(), "a frame came: not read again until the unit ends");
        client.channel().runPendingTasks();
        assertEquals(List.of("T shards,answer,reason", "D s1|one|no sharded table", "C EXPLAIN ROUTE 1", "Z I",
                "C BEGIN", "Z T"), client.messages(), "each unit in turn");
    }

    @Test
    void aUnitWhoseSyncHasNotComeWhenTheUnitBeforeEndsIsReadForIt() {
        relay.onClientFrame(query("EXPLAIN ROUTE SELECT 2"));
        relay.onClientFrame(parse("", "SELECT 1"));
        assertFalse(client.channel().config().isAutoRead());
        client.channel().runPendingTasks();
        assertTrue(client.channel().config().isAutoRead(), "the next unit's Sync is yet to be read");
        client.messages();
        send(empty('S'));
        assertEquals(List.of("1", "Z I"), client.messages());
    }

    @Test
    void pgsteersOwnAcknowledgementsComeBeforeTheAnswerInOrder() {
        send(parse("", "EXPLAIN ROUTE SELECT 3"), bind("", ""), execute("", 0), parse("a", "SELECT 4"), close('S', "a"),
                empty('S'));
        assertEquals(List.of("1", "2", "D s1|one|no sharded table", "C EXPLAIN ROUTE 1", "1", "3", "Z I"), client.messages());
    }

    @Test
    void terminateEndsTheSession() {
        send(empty('X'));
        assertFalse(client.channel().isOpen());
    }

    private void send(Frame... frames) {
        for (Frame frame : frames) {
            relay.onClientFrame(frame);
            client.channel().runPendingTasks();
        }
    }
}
