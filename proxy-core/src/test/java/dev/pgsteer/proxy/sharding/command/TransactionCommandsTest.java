package dev.pgsteer.proxy.sharding.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.client.SessionSettings;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.proxy.testkit.ClientWire;
import dev.pgsteer.proxy.testkit.NoShards;
import dev.pgsteer.router.command.Command.SavepointKind;
import dev.pgsteer.router.command.Command;
import io.netty.channel.EventLoop;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BEGIN, COMMIT, ROLLBACK and the savepoint commands of a sharded session, as the client hears them
 * (one line per message, see {@link ClientWire}) and as ReadyForQuery would then report the session.
 * No shard is in the transaction here: what the shards hear is pinned by ShardingIT.
 */
class TransactionCommandsTest {
    private final ClientWire client = new ClientWire();
    private final EventLoop loop = client.channel().eventLoop();
    private final ShardLeases leases = new ShardLeases(NoShards.pools(), NoShards.listener(), loop, new SessionSettings());
    /** No two-phase commit: no shard ever joins. */
    private final ShardTransaction transaction = new ShardTransaction(leases, null, loop, NoShards.listener());
    private final ClientReplies replies = new ClientReplies(client.channel(), transaction::statementFailed);
    private final BeginCommand begin = new BeginCommand(transaction, replies);
    private final CommitCommand commit = new CommitCommand(transaction, replies);
    private final RollbackCommand rollback = new RollbackCommand(transaction, replies);
    private final SavepointCommand savepoint = new SavepointCommand(transaction, replies);
    private int answered;

    private final Runnable next = () -> answered++;

    @Test
    void beginOpensTheTransactionAndASecondBeginOnlyWarns() {
        begin.run("BEGIN", next);
        begin.run("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", next);
        assertAnswered(2, List.of("C BEGIN", "N 25001 there is already a transaction in progress", "C BEGIN"),
                TransactionStatus.IN_TRANSACTION);
    }

    @Test
    void commitEndsTheTransaction() {
        begin.run("BEGIN", next);
        commit.run(next);
        assertAnswered(2, List.of("C BEGIN", "C COMMIT"), TransactionStatus.IDLE);
    }

    @Test
    void commitOrRollbackWithoutATransactionWarnsAndSucceeds() {
        commit.run(next);
        rollback.run(next);
        assertAnswered(2, List.of("N 25P01 there is no transaction in progress", "C COMMIT",
                "N 25P01 there is no transaction in progress", "C ROLLBACK"), TransactionStatus.IDLE);
    }

    @Test
    void commitOfAFailedTransactionRollsItBackAndSaysSo() {
        begin.run("BEGIN", next);
        replies.fail("42P01", "relation \"nowhere\" does not exist");
        assertEquals(TransactionStatus.FAILED, transaction.status());
        commit.run(next);
        assertAnswered(2, List.of("C BEGIN", "E 42P01 relation \"nowhere\" does not exist", "C ROLLBACK"),
                TransactionStatus.IDLE);
    }

    @Test
    void rollbackEndsTheTransaction() {
        begin.run("BEGIN", next);
        rollback.run(next);
        assertAnswered(2, List.of("C BEGIN", "C ROLLBACK"), TransactionStatus.IDLE);
    }

    @Test
    void savepointsNeedATransactionBlockEachSayingWhichCommandItWas() {
        savepoint.run("SAVEPOINT a", new Command.Savepoint(SavepointKind.SAVEPOINT), next);
        savepoint.run("RELEASE a", new Command.Savepoint(SavepointKind.RELEASE), next);
        savepoint.run("ROLLBACK TO a", new Command.Savepoint(SavepointKind.ROLLBACK_TO), next);
        assertAnswered(3, List.of(
                "E 25P01 SAVEPOINT can only be used in transaction blocks",
                "E 25P01 RELEASE SAVEPOINT can only be used in transaction blocks",
                "E 25P01 ROLLBACK TO SAVEPOINT can only be used in transaction blocks"), TransactionStatus.IDLE);
    }

    @Test
    void rollbackToASavepointEndsTheFailureOfTheTransaction() {
        begin.run("BEGIN", next);
        savepoint.run("SAVEPOINT a", new Command.Savepoint(SavepointKind.SAVEPOINT), next);
        replies.fail("23505", "duplicate key value violates unique constraint \"orders_pkey\"");
        savepoint.run("ROLLBACK TO SAVEPOINT a", new Command.Savepoint(SavepointKind.ROLLBACK_TO), next);
        savepoint.run("RELEASE a", new Command.Savepoint(SavepointKind.RELEASE), next);
        assertAnswered(4, List.of("C BEGIN", "C SAVEPOINT",
                "E 23505 duplicate key value violates unique constraint \"orders_pkey\"", "C ROLLBACK", "C RELEASE"),
                TransactionStatus.IN_TRANSACTION);
    }

    private void assertAnswered(int statements, List<String> messages, TransactionStatus status) {
        client.channel().runPendingTasks();
        assertEquals(messages, client.messages());
        assertEquals(statements, answered, "each statement goes on to the next once");
        assertEquals(status, transaction.status());
    }
}
