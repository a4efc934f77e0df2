package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.sql.LexedStatement;

/**
 * {@code Command.Explain}: EXPLAIN runs on the first shard the explained statement runs on; when it
 * runs on several, the client is told whose plan it sees.
 */
public final class ExplainCommand {
    private final RunCommand run;
    private final ClientReplies replies;

    public ExplainCommand(RunCommand run, ClientReplies replies) {
        this.run = run;
        this.replies = replies;
    }

    public void run(LexedStatement statement, StatementSender sender, Command.Explain explain, Runnable next) {
        if (explain.shards().size() > 1) {
            replies.notice(SqlState.WARNING, "pgsteer: this statement runs on shards " + String.join(", ", explain.shards())
                    + "; the plan shown is shard " + explain.shards().getFirst() + "'s");
        }
        run.run(statement, sender, explain.route(), next);
    }
}
