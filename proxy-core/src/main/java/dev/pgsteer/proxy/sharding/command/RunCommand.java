package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.sharding.KeyTypeLearner;
import dev.pgsteer.proxy.sharding.SessionColumns;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.util.concurrent.Future;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Command.Run}: the statement runs on its route's shards and the client gets their combined
 * answer. A change on several shards opens pgsteer's own transaction around it; after DDL, the key
 * types of new sharded tables are learned before the next statement, and the columns learned for
 * INSERTs without a column list are not trusted until the DDL's transaction ends.
 */
public final class RunCommand {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    private final String sessionId;
    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final KeyTypeLearner keyTypes;
    private final SessionColumns columns;

    public RunCommand(String sessionId, ShardedDatabase database, ShardTransaction transaction, FanOut fanOut,
                      ClientReplies replies, KeyTypeLearner keyTypes, SessionColumns columns) {
        this.sessionId = sessionId;
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.keyTypes = keyTypes;
        this.columns = columns;
    }

    /** Runs the statement on {@code route}'s shards; calls {@code next} when the answer is written. */
    public void run(LexedStatement statement, StatementSender sender, Route route, Runnable next) {
        long started = System.nanoTime();
        boolean transactional = route.kind() != StatementKind.NON_TRANSACTIONAL;
        if (transactional && route.shards().size() > 1 && route.kind() != StatementKind.READ) {
            // A change on several shards commits on all or none: pgsteer opens the transaction.
            transaction.startImplicit();
        }
        if (!transactional && transaction.mode() != ShardTransaction.Mode.NONE) {
            replies.fail(SqlState.ACTIVE_SQL_TRANSACTION, statement.firstKeyword() + " cannot run inside a transaction block");
            next.run();
            return;
        }
        if (log.isTraceEnabled()) {
            log.trace("{}: {} -> {} ({})", sessionId, statement.firstKeyword(), route.shards(), route.why());
        }
        Future<List<ShardLink>> acquired = fanOut.acquire(route.shards());
        acquired.addListener(f -> {
            if (log.isTraceEnabled()) {
                log.trace("{}: shards {} ready: {}", sessionId, route.shards(), f.isSuccess() ? "yes" : f.cause());
            }
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            List<ShardLink> targets = acquired.getNow();
            ShardRequest request = fanOut.start(targets, route.answer(), sender.extended(), route.merge(), sender.describe(), ex -> {
                database.statementDone(route, started);
                database.slowStatements().took(sessionId, System.nanoTime() - started, statement.text());
                for (ShardLink link : ex.links()) {
                    if (link.status() == TransactionStatus.FAILED) {
                        transaction.statementFailed();
                    }
                }
                if (ex.failed()) {
                    if (sender instanceof ExtendedSender extended) {
                        extended.forgetFreshlyPrepared();
                    }
                    replies.failed();
                    next.run();
                } else if (route.kind() == StatementKind.DDL) {
                    columns.ddlRan();
                    keyTypes.afterDdl(ex.links().getFirst(), next);
                } else {
                    next.run();
                }
            });
            for (ShardLink link : targets) {
                sender.send(link, route, request);
                link.connection().flush();
            }
        });
    }
}
