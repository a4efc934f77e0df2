package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.message.backend.RowDescription.Field;
import dev.pgsteer.protocol.message.backend.RowDescription;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.plan.Route;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code Command.ExplainRoute}: EXPLAIN ROUTE statement answers, without running it, where the
 * statement would run and why: a row (shards, answer, reason), then a row per shard whose text
 * pgsteer rewrites (shard, "runs", text).
 */
public final class ExplainRouteCommand {
    private final ClientReplies replies;

    public ExplainRouteCommand(ClientReplies replies) {
        this.replies = replies;
    }

    public void run(Route route, StatementSender sender, Runnable next) {
        ByteBufAllocator alloc = replies.channel().alloc();
        if (sender.describe()) {
            replies.write(RowDescription.encode(alloc, List.of(text("shards"), text("answer"), text("reason"))));
        }
        replies.write(DataRow.encodeText(alloc, List.of(String.join(", ", route.shards()),
                route.answer().name().toLowerCase(Locale.ROOT), route.why())));
        for (Map.Entry<String, String> rewritten : route.textByShard().entrySet()) {
            replies.write(DataRow.encodeText(alloc, List.of(rewritten.getKey(), "runs", rewritten.getValue())));
        }
        replies.complete("EXPLAIN ROUTE " + (1 + route.textByShard().size()));
        next.run();
    }

    /** A column of type text, in text format. */
    private static Field text(String name) {
        return Field.computed(name, PgValues.TEXT, -1, Bind.TEXT);
    }
}
