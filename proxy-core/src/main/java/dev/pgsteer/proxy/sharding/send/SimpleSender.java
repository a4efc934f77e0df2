package dev.pgsteer.proxy.sharding.send;

import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.Channel;

/** A simple Query: the statement's text, or the text the route rewrote for the shard. */
public final class SimpleSender implements StatementSender {
    private final LexedStatement statement;

    public SimpleSender(LexedStatement statement) {
        this.statement = statement;
    }

    @Override
    public void send(ShardLink link, Route route, ShardRequest request) {
        String textForShard = route.textByShard().get(link.shard());
        Channel channel = link.connection().channel();
        channel.write(new Query(textForShard != null ? textForShard : statement.text()), channel.voidPromise());
    }

    @Override
    public KeySource.Placeholders values() {
        return KeySource.Placeholders.NONE;
    }

    @Override
    public boolean extended() {
        return false;
    }

    @Override
    public boolean describe() {
        return true;
    }

    @Override
    public int maxRows() {
        return 0;
    }
}
