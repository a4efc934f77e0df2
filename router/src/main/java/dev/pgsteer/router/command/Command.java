package dev.pgsteer.router.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.JoinScope;
import dev.pgsteer.router.plan.PulledLocal;
import dev.pgsteer.router.plan.PulledTable;
import dev.pgsteer.router.plan.Route;
import java.util.List;

/**
 * The router's one answer for one statement of a sharded session: what the statement is and where
 * it runs. proxy-core executes a command; it never decides one. Every statement gets exactly one
 * (see {@link dev.pgsteer.router.Router#route}), and an exhaustive switch over this type is the
 * whole list of what a sharded session can be asked to do.
 */
public sealed interface Command {

    /** Run on the route's shards and answer as it says (DML, DDL, maintenance, COPY TO, a statement of no table). */
    record Run(Route route) implements Command, Read {
    }

    /**
     * Where a write that pgsteer runs itself reads its rows or keys: a {@link Run} whose shards' rows
     * are concatenated (one shard, or several without a merge), or the coordinator step
     * ({@link Coordinate}: a read pgsteer would merge, or cannot answer from the shards' rows), whose
     * coordinator then gives the rows to pgsteer instead of the client.
     */
    sealed interface Read permits Run, Coordinate {
    }

    /** BEGIN or START TRANSACTION: opens the session's transaction; shards join it when first used. */
    record Begin() implements Command {
    }

    /** COMMIT or END: commits on every shard of the transaction (two-phase when more than one wrote). */
    record Commit() implements Command {
    }

    /** ROLLBACK or ABORT. */
    record Rollback() implements Command {
    }

    /** SAVEPOINT, RELEASE [SAVEPOINT] or ROLLBACK TO [SAVEPOINT]: on every shard of the transaction. */
    record Savepoint(SavepointKind kind) implements Command {
        /** The command tag PostgreSQL answers with. */
        public String tag() {
            return switch (kind) {
                case SAVEPOINT -> "SAVEPOINT";
                case RELEASE -> "RELEASE";
                case ROLLBACK_TO -> "ROLLBACK";
            };
        }
    }

    enum SavepointKind { SAVEPOINT, RELEASE, ROLLBACK_TO }

    /**
     * SET LOCAL, SET TRANSACTION, SET CONSTRAINTS: on every shard now, and on every shard that joins
     * the transaction later (it holds for the transaction only).
     */
    record TransactionSetting(Route route) implements Command {
    }

    /** SET or RESET of a session setting: on every shard; the session carries it to later connections. */
    record SessionSetting(Route route) implements Command {
    }

    /** DISCARD: on every shard; the session's prepared statements are gone too. */
    record Discard(Route route) implements Command {
    }

    /** LISTEN or UNLISTEN: on the default shard, whose connection the session then keeps (notifications arrive there). */
    record Listen(Route route) implements Command {
    }

    /**
     * DEALLOCATE [PREPARE] name | ALL: the session's own prepared statements, answered by pgsteer;
     * {@code name} is the statement's (null with ALL, or when pgsteer could not read it).
     */
    record Deallocate(boolean all, String name) implements Command {
        public String tag() {
            return all ? "DEALLOCATE ALL" : "DEALLOCATE";
        }
    }

    /**
     * SQL PREPARE: the statement is prepared in the session as a Parse would prepare it (one namespace,
     * as in PostgreSQL), after the default shard checked it and named its parameters' types.
     */
    record SqlPrepare(PreparedStatementSql.Prepare prepare) implements Command {
    }

    /** SQL EXECUTE of a statement the session prepared: runs as its statement with the arguments written in. */
    record SqlExecute(PreparedStatementSql.Execute execute) implements Command {
    }

    /**
     * EXPLAIN: runs on {@code route}'s one shard, where the explained statement would run first;
     * {@code shards} are all the shards the explained statement runs on (more than one: the client is told
     * the plan is one shard's).
     */
    record Explain(Route route, List<String> shards) implements Command {
    }

    /**
     * EXPLAIN [ANALYZE] of a SELECT the coordinator step answers: the step runs as for the statement
     * (its rows pulled into temporary tables), then the client's EXPLAIN runs on the coordinator over
     * them, so the plan is PostgreSQL's for what would run there; {@code shards}: those pulled from.
     */
    record ExplainCoordinator(Coordinate coordinate, List<String> shards) implements Command {
        public ExplainCoordinator {
            shards = List.copyOf(shards);
        }
    }

    /** EXPLAIN ROUTE statement: where the statement would run and why, answered without running it. */
    record ExplainRoute(Route route) implements Command {
    }

    /**
     * EXPLAIN ROUTE of a statement the coordinator step answers ({@link Coordinate}): the shards it
     * involves ({@code shards}: the database's, the step pulls from each), why pgsteer cannot merge it
     * ({@code why}), and the {@code statement} the coordinator runs unchanged.
     */
    record ExplainCoordinated(Coordinate coordinate, List<String> shards, String why, String statement) implements Command {
        public ExplainCoordinated {
            shards = List.copyOf(shards);
        }
    }

    /**
     * COPY ... FROM STDIN into a sharded table: every shard runs the COPY, each row goes to its key's
     * shard. The column list may have to be read from a shard's catalog when the COPY names none.
     */
    record CopyIntoShards(TableConfig.Sharded table, CopyStatement copy) implements Command {
    }

    /**
     * COPY ... FROM STDIN into a reference table: every shard runs the COPY and gets every row, in one
     * transaction, as an INSERT into it would; the client is told one shard's count.
     */
    record CopyIntoReference(TableConfig.Reference table, CopyStatement copy) implements Command {
    }

    /**
     * A SELECT on several shards whose rows pgsteer cannot merge itself: every shard's rows of
     * {@code tables} are pulled into temporary tables of the same names on {@code coordinatorShard}
     * (the database's default shard), where the client's statement then runs unchanged and answers.
     * {@code alsoReads}: the other tables it reads (unsharded, reference), which inside a transaction
     * block are shadowed too, with the rows the transaction sees (a table named with its schema is
     * read as {@code pg_temp.t} on the coordinator, once the catalog tells its schema);
     * {@code pulls} (one per table of {@code tables}, in the same order) say how narrowly each may be pulled;
     * {@code joins} which equalities between their columns the joined rows meet (to pull a table only
     * for the key values another pulled table holds).
     */
    record Coordinate(List<TableConfig.Sharded> tables, String coordinatorShard, List<String> alsoReads,
                      List<PulledTable> pulls, List<JoinScope> joins, List<PulledLocal> locals) implements Command, Read {
        public Coordinate {
            tables = List.copyOf(tables);
            alsoReads = List.copyOf(alsoReads);
            pulls = List.copyOf(pulls);
            joins = List.copyOf(joins);
            locals = List.copyOf(locals);
        }

        /** Without local key sources ({@code locals}: the reference and unsharded tables of {@code joins}, by index). */
        public Coordinate(List<TableConfig.Sharded> tables, String coordinatorShard, List<String> alsoReads,
                          List<PulledTable> pulls, List<JoinScope> joins) {
            this(tables, coordinatorShard, alsoReads, pulls, joins, List.of());
        }

        /** Every table pulled whole, nothing else read. */
        public Coordinate(List<TableConfig.Sharded> tables, String coordinatorShard) {
            this(tables, coordinatorShard, List.of(), tables.stream().map(PulledTable::whole).toList(), List.of(), List.of());
        }
    }

    /**
     * {@code DECLARE cursor ... FOR query}: the whole DECLARE runs where its query would ({@code query}:
     * a {@link Run} on one shard, or a {@link Coordinate}, whose coordinator then keeps the cursor over
     * its temporary tables until CLOSE or the transaction's end).
     */
    record DeclareCursor(String cursor, boolean withHold, Command query) implements Command {
    }

    /**
     * FETCH, MOVE or CLOSE of {@code cursor} (null: CLOSE ALL, or no name read): runs where the session
     * declared the cursor; {@code closes} for CLOSE.
     */
    record OnCursor(String cursor, boolean closes) implements Command {
    }

    /**
     * An INSERT without a column list into a sharded table whose columns the session does not know:
     * read them from the default shard's catalog, then route the statement again, as if they were written.
     */
    record LearnColumns(TableConfig.Sharded table) implements Command {
    }

    /**
     * INSERT ... SELECT into a sharded table: {@code select} runs where {@code read} says (its shards,
     * or the coordinator), its rows going to pgsteer, and they go into {@code columns} of {@code table}
     * by COPY, each row to its key's shard, in the session's transaction (pgsteer's own, committed in
     * two phases, if none).
     */
    record InsertSelect(TableConfig.Sharded table, List<String> columns, String select, Read read) implements Command {
        public InsertSelect {
            columns = List.copyOf(columns);
        }
    }

    /**
     * UPDATE or DELETE of a sharded table whose {@code column IN (SELECT ...)} reads other shards:
     * {@code select} runs where {@code read} says, its values going to pgsteer, then the statement on every
     * shard: {@code before}, {@code column = ANY(the values)} in place of the IN, {@code after}.
     */
    record WriteByKeys(TableConfig.Sharded table, String select, String column, String before, String after, Read read)
            implements Command {
    }

    /**
     * UPDATE ... FROM or DELETE ... USING of a sharded table whose other tables' rows are on other
     * shards: {@code explain} (the client's statement) runs under EXPLAIN on the default shard; the
     * coordinator step {@code read} pulls every table it reads (the target's rows locked FOR UPDATE,
     * with their shard and ctid) and runs {@code compute} over the copies (an UPDATE that marks the
     * rows the client's statement writes), and pgsteer writes each marked row by its ctid on its
     * shard, with {@code returning} (the client's, or ""), in the session's transaction. Each text
     * comes with the client's parameters it holds, renumbered from $1 ({@code [k - 1]} is the client's
     * number of its {@code $k}).
     *
     * @param target     the target as the client wrote it (name and alias)
     * @param reference  how the statement refers to the target: its alias, or its name
     * @param setColumns the columns an UPDATE sets, folded (none for a DELETE)
     * @param returningNames the RETURNING's unqualified column names, which must be the target's
     */
    record JoinedWrite(TableConfig.Sharded table, boolean delete, String target, String reference, List<String> setColumns,
                       Text explain, Text compute, Text returning, List<String> returningNames, Coordinate read) implements Command {
        public JoinedWrite {
            setColumns = List.copyOf(setColumns);
            returningNames = List.copyOf(returningNames);
        }

        /** A text pgsteer runs, and which of the client's parameters its {@code $1, $2, ...} are. */
        public record Text(String sql, int[] parameters) {
        }
    }

    /** Not run: the client gets this error, and the session goes on. */
    record Refused(String sqlState, String reason) implements Command {
    }
}
