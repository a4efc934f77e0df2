package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.coordinator.FinalStep;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.SessionCursors;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code Command.DeclareCursor} and {@code Command.OnCursor}: SQL cursors. PostgreSQL runs every cursor
 * itself, so SCROLL, FETCH BACKWARD, ABSOLUTE, MOVE and their errors are its own. A cursor over one
 * shard is declared on the session's link there; over several, by the coordinator step on its
 * connection apart, whose transaction is kept with the temporary tables until CLOSE or the
 * transaction's end ({@link SessionCursors}). FETCH, MOVE and CLOSE go where the cursor was declared;
 * a name pgsteer does not know goes to the default shard (whose PostgreSQL says 34000 if it has none).
 */
final class CursorCommand {
    private final RunCommand run;
    private final CoordinateCommand coordinate;
    private final KeptCoordinator kept;
    private final ShardTransaction transaction;
    private final ClientReplies replies;
    private final String defaultShard;

    CursorCommand(RunCommand run, CoordinateCommand coordinate, KeptCoordinator kept, ShardTransaction transaction,
                  ClientReplies replies, String defaultShard) {
        this.run = run;
        this.coordinate = coordinate;
        this.kept = kept;
        this.transaction = transaction;
        this.replies = replies;
        this.defaultShard = defaultShard;
    }

    void declare(LexedStatement statement, StatementSender sender, Command.DeclareCursor declare, Runnable next) {
        String name = declare.cursor();
        SessionCursors cursors = transaction.cursors();
        if (cursors.declared(name)) {
            replies.fail("42P03", "cursor \"" + name + "\" already exists");
            next.run();
            return;
        }
        switch (declare.query()) {
            case Command.Run one -> {
                String shard = one.route().shards().getFirst();
                run.run(statement, sender, one.route(), () -> {
                    // Outside a transaction block PostgreSQL refused it (25P01), unless WITH HOLD; failed, it is not there.
                    if (!transaction.isFailed() && (transaction.mode() != ShardTransaction.Mode.NONE || declare.withHold())) {
                        cursors.onShard(name, shard, declare.withHold(), transaction.savepointCount());
                    }
                    next.run();
                });
            }
            case Command.Coordinate several -> {
                if (transaction.mode() == ShardTransaction.Mode.NONE) {
                    replies.fail(SqlState.NO_ACTIVE_SQL_TRANSACTION, "DECLARE CURSOR can only be used in transaction blocks");
                    next.run();
                    return;
                }
                coordinate.run(statement, sender, several, coordinator -> {
                    cursors.hold(SessionCursors.Kind.CURSOR, name, coordinator, transaction.savepointCount());
                    return true;
                }, next);
            }
            default -> throw new IllegalStateException("a DECLARE runs on one shard or on the coordinator, not as " + declare.query());
        }
    }

    void onCursor(LexedStatement statement, StatementSender sender, Command.OnCursor on, Runnable next) {
        SessionCursors cursors = transaction.cursors();
        String name = on.cursor();
        if (name == null) {
            if (on.closes()) {
                closeAll(statement, sender, next);
            } else {
                run.run(statement, sender, Route.one(defaultShard, StatementKind.READ, "no cursor named"), next);
            }
            return;
        }
        ShardLink coordinator = cursors.coordinator(SessionCursors.Kind.CURSOR, name);
        if (coordinator != null) {
            kept.run(coordinator, FinalStep.of(statement, sender), SessionCursors.Kind.CURSOR, name, on.closes(), next);
            return;
        }
        String shard = cursors.shardOf(name);
        Route route = Route.one(shard != null ? shard : defaultShard, StatementKind.READ, "cursor " + name);
        run.run(statement, sender, route, on.closes() ? () -> {
            cursors.close(SessionCursors.Kind.CURSOR, name);
            next.run();
        } : next);
    }

    /** CLOSE ALL: on every shard holding a cursor (the default one too), and every coordinator a cursor kept. */
    private void closeAll(LexedStatement statement, StatementSender sender, Runnable next) {
        List<String> shards = new ArrayList<>(List.of(defaultShard));
        transaction.cursors().cursorShards().stream().filter(s -> !s.equals(defaultShard)).forEach(shards::add);
        Route route = new Route(shards, Answer.MIRROR, StatementKind.READ, "CLOSE ALL", Map.of(), null);
        transaction.cursors().closeAllCursors().addListener(f -> run.run(statement, sender, route, next));
    }
}
