package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.extended.Lookup;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.extended.Prepared;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.proxy.sharding.send.ParseTails;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.PreparedStatementSql;
import dev.pgsteer.router.sql.SqlLexer;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * SQL's PREPARE, EXECUTE and DEALLOCATE on a sharded session. The statements are the session's, in the
 * one namespace PostgreSQL gives SQL and the protocol (a Bind may name a statement SQL prepared, and
 * PREPARE of a name a Parse took is 42P05), kept by pgsteer as a Parse's are ({@link ShardedPortals}).
 *
 * <p>PREPARE asks the default shard, on the session's own connection (its transaction, settings and
 * temporary tables), to prepare the statement and name its parameters' types: PostgreSQL's own errors
 * (a syntax error, a table that does not exist) and its inference of the types come from there, and the
 * probe is deallocated in the same round trip. EXECUTE writes its arguments into the statement as
 * constants of those types ({@link PreparedStatementSql#bind}) and runs it as a statement of its own, so
 * it is routed by the key values it holds and answers with that statement's rows and tag, as
 * PostgreSQL's EXECUTE does.
 */
public final class SqlPreparedCommand {
    /** pgsteer's name for the probe on the default shard's connection: deallocated in the round trip that made it. */
    static final String PROBE = "pgsteer_sql_probe";

    private final ShardedDatabase database;
    private final ShardedPortals portals;
    private final DefaultShardQuery query;
    private final ClientReplies replies;
    private final StatementRunner runner;
    private final BooleanSupplier backslashQuotes;

    public SqlPreparedCommand(ShardedDatabase database, ShardedPortals portals, FanOut fanOut, ClientReplies replies,
                              EventLoop loop, BackendListener owner, StatementRunner runner, BooleanSupplier backslashQuotes) {
        this.database = database;
        this.portals = portals;
        this.query = new DefaultShardQuery(database, fanOut, replies, loop, owner);
        this.replies = replies;
        this.runner = runner;
        this.backslashQuotes = backslashQuotes;
    }

    public void prepare(Command.SqlPrepare command, Runnable next) {
        PreparedStatementSql.Prepare prepare = command.prepare();
        String name = prepare.name();
        if (!portals.state().preparable(name)) {
            replies.fail(ProxyErrors.duplicateStatement(name));
            next.run();
            return;
        }
        query.query(probe(prepare), rows -> {
            if (!portals.state().preparable(name)) {
                replies.fail(ProxyErrors.duplicateStatement(name));
                next.run();
                return;
            }
            int[] oids = new int[rows.size()];
            List<String> types = new ArrayList<>(oids.length);
            for (int i = 0; i < oids.length; i++) {
                oids[i] = Integer.parseUnsignedInt(rows.get(i).get(0));
                types.add(rows.get(i).get(1));
            }
            byte[] tail = ParseTails.withTypes(prepare.body(), oids);
            portals.state().prepare(name, new Prepared(SqlLexer.statement(prepare.body()), tail,
                    database.statements().nameFor(Unpooled.wrappedBuffer(tail)), types));
            replies.complete("PREPARE");
            next.run();
        }, next);
    }

    public void execute(Command.SqlExecute command, StatementSender sender, Runnable next) {
        PreparedStatementSql.Execute execute = command.execute();
        if (sender.extended()) {
            replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "EXECUTE in the extended query protocol is not supported on a sharded"
                    + " database: send EXECUTE as a simple query, or Bind the statement \"" + execute.name() + "\" instead");
            next.run();
            return;
        }
        Prepared prepared = switch (portals.state().statement(execute.name())) {
            case Lookup.Found<Prepared>(Prepared found) -> found;
            case Lookup.Refused<Prepared>(ErrorResponse error) -> {
                replies.fail(error);
                yield null;
            }
        };
        if (prepared == null) {
            next.run();
            return;
        }
        if (prepared.sqlTypes() == null) {
            replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "EXECUTE of statement \"" + execute.name() + "\", which the protocol's"
                    + " Parse prepared, is not supported on a sharded database: Bind it, or PREPARE it in SQL");
            next.run();
            return;
        }
        switch (PreparedStatementSql.bind(execute.name(), prepared.statement().text(), prepared.sqlTypes(), execute,
                backslashQuotes.getAsBoolean())) {
            case PreparedStatementSql.Statement statement -> runner.run(SqlLexer.statement(statement.sql()), next);
            case PreparedStatementSql.Failed failed -> {
                replies.fail(failed.sqlState(), failed.message());
                next.run();
            }
        }
    }

    /** DEALLOCATE of one name: the statement goes, or PostgreSQL's 26000 when the session has none of that name. */
    public void deallocate(String name, Runnable next) {
        switch (portals.state().statement(name)) {
            case Lookup.Found<Prepared> found -> {
                portals.close(Target.STATEMENT, name);
                replies.complete("DEALLOCATE");
            }
            case Lookup.Refused<Prepared>(ErrorResponse error) -> replies.fail(error);
        }
        next.run();
    }

    /**
     * PREPARE of the body on the default shard, its parameters' types, and DEALLOCATE, in one Query. The
     * body ends its line: a {@code --} comment at its end must not hide the next statement.
     */
    static String probe(PreparedStatementSql.Prepare prepare) {
        return "PREPARE " + PROBE + " " + prepare.types() + " AS " + prepare.body() + "\n;\n"
                + "SELECT t::oid, format_type(t, NULL) FROM pg_catalog.pg_prepared_statements,"
                + " unnest(parameter_types) WITH ORDINALITY AS u(t, n) WHERE name = '" + PROBE + "' ORDER BY n;\n"
                + "DEALLOCATE " + PROBE;
    }
}
