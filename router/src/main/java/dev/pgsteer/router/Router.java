package dev.pgsteer.router;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.analysis.UnparsedStatements;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.CopyStatement;
import dev.pgsteer.router.command.CursorStatement;
import dev.pgsteer.router.command.PreparedStatementSql;
import dev.pgsteer.router.command.RouteContext;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.CoordinatorNeeded;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.resolve.Pulls;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where every statement of a sharded session goes: the one place that decides. {@link #route}
 * answers each statement, simple or extended, with one {@link Command}; the session executes it.
 * Transaction control, settings, LISTEN, EXPLAIN, COPY and maintenance are told apart by their
 * words here; everything else is planned by the {@link ShardRouter} (JSQLParser once per shape,
 * then a cached plan resolved with the statement's values).
 *
 * <p>Planning a new shape is slow (JSQLParser), so a session on an event loop asks
 * {@link #routeIfPlanned} first, and on null runs {@link #plan} elsewhere, then routes with that plan.
 */
public final class Router {
    private static final Set<String> CONTROL_WORDS = Set.of("COMMIT", "END", "ROLLBACK", "ABORT", "PREPARE",
            "DEALLOCATE", "SET", "RESET", "DISCARD", "EXPLAIN");
    private static final String[] NO_WORDS = {};
    private static final Pattern EXPLAIN_HEAD = Pattern.compile("(?is)^\\s*EXPLAIN\\s*(\\([^)]*\\))?\\s*(ANALYZE\\s+)?(VERBOSE\\s+)?");
    private static final Pattern EXPLAIN_ANALYZE = Pattern.compile("(?s)^\\s*EXPLAIN\\s*(\\(.*ANALYZE.*\\)|\\s+ANALYZE\\b).*");
    private static final Pattern EXPLAIN_ROUTE_HEAD = Pattern.compile("(?is)^\\s*EXPLAIN\\s+ROUTE\\s+");
    private static final Pattern LOCKING = Pattern.compile("(?i)\\bFOR\\s+(NO\\s+KEY\\s+)?(UPDATE|SHARE|KEY\\s+SHARE)\\b");
    private static final Pattern WHOLE_DATABASE_MAINTENANCE = Pattern.compile("(?s)^\\s*(VACUUM|ANALYZE|CHECKPOINT)\\s*(\\(.*\\))?\\s*;?\\s*$");

    private final ShardRouter shards;
    private final DatabaseConfig database;
    private final WriteForms writes;

    public Router(ShardRouter shards) {
        this.shards = shards;
        this.database = shards.database();
        this.writes = new WriteForms(this::analysis, (statement, values, context, mayParse, coordinated) -> coordinated
                ? coordinated(statement, values, context, mayParse, null) : routed(statement, values, context, mayParse, null),
                this::coordinatedRead);
    }

    /** The planner of routed statements (its plan cache, key placement for COPY rows). */
    public ShardRouter shards() {
        return shards;
    }

    /** The statement's command; parses with JSQLParser when its shape was never planned (slow: see {@link #plan}). */
    public Command route(LexedStatement statement, KeySource.Placeholders values, RouteContext context) {
        return decide(statement, values, context, true, null);
    }

    /** The statement's command, or null when it needs a plan that is not cached yet: then {@link #plan} it, off the event loop. */
    public Command routeIfPlanned(LexedStatement statement, KeySource.Placeholders values, RouteContext context) {
        return decide(statement, values, context, false, null);
    }

    /**
     * Makes (and caches, when its shape parses) the plan the statement needs, for
     * {@link #route(LexedStatement, KeySource.Placeholders, RouteContext, Analysis)}; null when it needs
     * none. Slow; safe on any thread.
     */
    public Analysis plan(LexedStatement statement) {
        return plan(statement, new RouteContext(List.of(), false, false));
    }

    /**
     * {@link #plan(LexedStatement)}, and for an INSERT without a column list whose table's columns the
     * session knows, the plan of the statement with them written too (cached: routing finds it there).
     */
    public Analysis plan(LexedStatement statement, RouteContext context) {
        LexedStatement planned = plannedPart(statement);
        if (planned == null) {
            return null;
        }
        Analysis analysis = analysis(planned);
        writes.planParts(planned, analysis, context);
        return analysis;
    }

    /**
     * The statement's command with the plan {@link #plan} made for it: never parses again (a shape
     * JSQLParser cannot read is not cached, and parsing its text is slow).
     */
    public Command route(LexedStatement statement, KeySource.Placeholders values, RouteContext context, Analysis plan) {
        return decide(statement, values, context, true, plan);
    }

    private Command decide(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse,
                           Analysis planned) {
        String first = statement.firstKeyword();
        if (first.equals("SELECT") && !context.transactionFailed()) {
            // The common case first: no words to read beyond the first.
            return coordinated(statement, values, context, mayParse, planned);
        }
        String[] words = CONTROL_WORDS.contains(first) ? words(statement.text()) : NO_WORDS;
        String second = words.length > 1 ? words[1] : "";
        if (context.transactionFailed() && !first.equals("ROLLBACK") && !first.equals("ABORT") && !first.equals("COMMIT")
                && !first.equals("END")) {
            return new Command.Refused("25P02", "current transaction is aborted, commands ignored until end of transaction block");
        }
        return switch (first) {
            case "BEGIN", "START" -> new Command.Begin();
            case "COMMIT", "END" -> second.equals("PREPARED") ? unsupported("COMMIT PREPARED") : new Command.Commit();
            case "ROLLBACK", "ABORT" -> {
                if (second.equals("PREPARED")) {
                    yield unsupported("ROLLBACK PREPARED");
                }
                boolean to = second.equals("TO") || ((second.equals("TRANSACTION") || second.equals("WORK"))
                        && words.length > 2 && words[2].equals("TO"));
                yield to ? new Command.Savepoint(Command.SavepointKind.ROLLBACK_TO) : new Command.Rollback();
            }
            case "SAVEPOINT" -> new Command.Savepoint(Command.SavepointKind.SAVEPOINT);
            case "RELEASE" -> new Command.Savepoint(Command.SavepointKind.RELEASE);
            case "PREPARE" -> second.equals("TRANSACTION") ? unsupported("PREPARE TRANSACTION") : sqlPrepare(statement);
            case "DEALLOCATE" -> {
                String name = PreparedStatementSql.deallocate(statement.text());
                yield new Command.Deallocate("".equals(name), "".equals(name) ? null : name);
            }
            case "EXECUTE" -> sqlExecute(statement);
            case "SET" -> second.equals("LOCAL") || second.equals("TRANSACTION") || second.equals("CONSTRAINTS")
                    ? new Command.TransactionSetting(everyShard(StatementKind.READ))
                    : new Command.SessionSetting(everyShard(StatementKind.READ));
            case "RESET" -> new Command.SessionSetting(everyShard(StatementKind.READ));
            case "DISCARD" -> new Command.Discard(everyShard(StatementKind.READ));
            case "LISTEN", "UNLISTEN" -> new Command.Listen(Route.one(database.defaultShard(), StatementKind.READ, first));
            case "EXPLAIN" -> second.equals("ROUTE") ? explainRoute(statement, values, context, mayParse, planned)
                    : explain(statement, values, context, mayParse, planned);
            case "COPY" -> copy(statement, context, mayParse, planned);
            case "VACUUM", "ANALYZE", "CLUSTER", "REINDEX", "CHECKPOINT" -> maintenance(statement);
            case "DECLARE" -> declare(statement, values, context, mayParse, planned);
            case "FETCH", "MOVE" -> new Command.OnCursor(CursorStatement.cursorOf(statement.text()), false);
            case "CLOSE" -> new Command.OnCursor(CursorStatement.cursorOf(statement.text()), true);
            default -> coordinated(statement, values, context, mayParse, planned);
        };
    }

    /**
     * A statement the client sent to run: its route, or the coordinator step when it reads several
     * shards' rows that pgsteer cannot merge itself, in either protocol (the coordinator runs the
     * client's Parse, Bind and Execute as it sent them).
     */
    private Command coordinated(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse,
                                Analysis planned) {
        Analysis analysis = planned != null ? planned : mayParse ? analysis(statement) : shards.cached(statement);
        if (analysis == null) {
            return null;
        }
        if (analysis.placement() instanceof Placement.InsertWithoutColumns insert) {
            return writes.withColumns(statement, insert, values, context, mayParse, true);
        }
        if (analysis.placement() instanceof Placement.InsertSelect insert && !statement.hints().containsKey("shard")) {
            // A routing comment that names the shard runs the statement there, as written, as before.
            return writes.insertSelect(statement, insert, values, context, mayParse);
        }
        try {
            return new Command.Run(shards.resolve(analysis, statement, values, context.heldShards()));
        } catch (CoordinatorNeeded e) {
            if (UnparsedStatements.UNPARSED_READ.equals(analysis.multiShardRefusal()) && !context.heldShards().isEmpty()) {
                // Unparsed, its unsharded tables are unknown: a coordinator apart from the session's
                // transaction would not see what the transaction wrote to them.
                return new Command.Refused(e.sqlState(), e.getMessage() + " (the coordinator step answers it only"
                        + " outside a transaction that has used shards: pgsteer cannot tell which unsharded tables it reads)");
            }
            return coordinate(statement, analysis, e);
        } catch (RoutingException e) {
            if (analysis.placement() instanceof Placement.KeysFromSubquery keys) {
                return writes.writeByKeys(statement, keys, values, context, mayParse, e);
            }
            if (analysis.placement() instanceof Placement.JoinedWrite joined) {
                return writes.joinedWrite(statement, joined, values, context, mayParse, e);
            }
            return new Command.Refused(e.sqlState(), e.getMessage());
        } catch (IndexOutOfBoundsException e) {
            // A placeholder the Bind has no value for.
            return new Command.Refused("08P01", e.getMessage());
        }
    }

    /**
     * {@code DECLARE c CURSOR FOR query}: the whole DECLARE runs where its query would run. On one
     * shard, there; on several, the coordinator runs it over its temporary tables (even a query the
     * proxy could merge: a cursor hands out its rows a few at a time, in the order PostgreSQL gives
     * them, which only one PostgreSQL holding them all can do). A head this does not read is routed as before.
     */
    private Command declare(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse,
                            Analysis planned) {
        CursorStatement.Declaration declaration = CursorStatement.declaration(statement.text());
        if (declaration == null) {
            return coordinated(statement, values, context, mayParse, planned);
        }
        LexedStatement query = SqlLexer.statement(declaration.query());
        Analysis analysis = planned != null ? planned : mayParse ? analysis(query) : shards.cached(query);
        if (analysis == null) {
            return null;
        }
        Command inner = coordinated(query, values, context, mayParse, analysis);
        if (inner instanceof Command.Run run && run.route().shards().size() > 1) {
            CoordinatorNeeded needed = shards.coordination(analysis, "a cursor over several shards");
            inner = needed == null ? new Command.Refused("0A000", "a cursor over several shards needs the coordinator step, "
                    + "which answers reads of sharded tables only; give the shard key so the query runs on one shard")
                    : coordinate(query, analysis, needed);
        }
        return switch (inner) {
            case Command.Run run -> new Command.DeclareCursor(declaration.cursor(), declaration.withHold(),
                    new Command.Run(new Route(run.route().shards(), Answer.ONE, StatementKind.READ, run.route().why(), Map.of(), null)));
            case Command.Coordinate coordinate when declaration.withHold() -> new Command.Refused("0A000", "cursor "
                    + declaration.cursor() + " WITH HOLD reads several shards: its rows would have to outlive the transaction "
                    + "on the coordinator, which pgsteer does not keep; declare it WITHOUT HOLD inside the transaction, "
                    + "or give the shard key so it runs on one shard");
            case Command.Coordinate coordinate when LOCKING.matcher(declaration.query()).find() -> new Command.Refused("0A000",
                    "cursor " + declaration.cursor() + " reads several shards with FOR UPDATE/SHARE: the coordinator's copies "
                    + "of the rows cannot lock the shards' rows; lock them with a statement per shard key");
            case Command.Coordinate coordinate -> new Command.DeclareCursor(declaration.cursor(), false, coordinate);
            default -> inner;
        };
    }

    /**
     * The coordinator step for a read that would otherwise run on several shards and be merged in the
     * proxy (its rows are pulled by pgsteer's own statements, which can leave out rows a shard holds
     * without owning them: a moving bucket's copy); null when {@code analysis} is not such a read.
     */
    public Command coordinatedInstead(LexedStatement statement, Analysis analysis) {
        CoordinatorNeeded need = shards.coordination(analysis, "a read of a table whose bucket is moving");
        return need == null ? null : coordinate(statement, analysis, need);
    }

    /** The coordinator step for a statement whose rows pgsteer cannot merge, or why it cannot run there. */
    private Command coordinate(LexedStatement statement, Analysis analysis, CoordinatorNeeded e) {
        // A table named with its schema (public.orders) is read as pg_temp.orders on the coordinator,
        // once its catalog tells the table's schema (proxy-core's QualifiedNames), or refused there.
        return new Command.Coordinate(e.tables(), database.defaultShard(), e.alsoReads(),
                Pulls.of(analysis.pulls(), e.tables(), statement), analysis.pulls() == null ? List.of() : analysis.pulls().joins(),
                Pulls.locals(analysis.pulls(), statement));
    }

    /**
     * The coordinator step for a read on several shards whose rows pgsteer would merge, when a write
     * takes its rows (the coordinator holds them all, so it answers what the merge would); null when
     * the read's plan is not cached yet.
     */
    private Command coordinatedRead(LexedStatement read, boolean mayParse) {
        Analysis analysis = mayParse ? analysis(read) : shards.cached(read);
        if (analysis == null) {
            return null;
        }
        CoordinatorNeeded need = shards.coordination(analysis, "a read whose rows pgsteer merges from several shards");
        return need != null ? coordinate(read, analysis, need)
                : new Command.Refused("0A000", "its rows come from several shards and need merging, which the coordinator"
                        + " step does not answer for this statement");
    }

    /**
     * A statement the planner places: its route with these values, or why it cannot run (EXPLAIN and
     * COPY of a query: no coordinator step answers them).
     */
    private Command routed(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse,
                           Analysis planned) {
        Analysis analysis = planned != null ? planned : mayParse ? analysis(statement) : shards.cached(statement);
        if (analysis == null) {
            return null;
        }
        if (analysis.placement() instanceof Placement.InsertWithoutColumns insert) {
            return writes.withColumns(statement, insert, values, context, mayParse, false);
        }
        if (analysis.placement() instanceof Placement.InsertSelect insert && !statement.hints().containsKey("shard")) {
            // Not routed: pgsteer writes the rows itself, so there is no one shard's plan to show.
            return new Command.Refused("0A000", "EXPLAIN of INSERT ... SELECT into sharded table " + insert.table().name()
                    + " is not supported: pgsteer reads the SELECT's rows and writes them itself; explain the SELECT");
        }
        try {
            return new Command.Run(shards.resolve(analysis, statement, values, context.heldShards()));
        } catch (RoutingException e) {
            return new Command.Refused(e.sqlState(), e.getMessage());
        } catch (IndexOutOfBoundsException e) {
            // A placeholder the Bind has no value for.
            return new Command.Refused("08P01", e.getMessage());
        }
    }

    private Analysis analysis(LexedStatement statement) {
        try {
            return shards.analysis(statement);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug in the analysis must cost this statement, never the session's progress.
            return Analysis.refused("XX000", "internal error in pgsteer while planning this statement: " + e);
        }
    }

    /** EXPLAIN runs where the statement it explains would run: on its first shard. */
    private Command explain(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse,
                            Analysis planned) {
        LexedStatement query = explained(statement, EXPLAIN_HEAD);
        Command inner = routed(query, values, context, mayParse, planned);
        if (inner instanceof Command.Refused
                && coordinated(query, values, context, mayParse, planned) instanceof Command.Coordinate coordinate) {
            // The coordinator step pulls the rows, then the client's EXPLAIN runs there over them.
            return new Command.ExplainCoordinator(coordinate, database.shards());
        }
        if (!(inner instanceof Command.Run run)) {
            return inner;
        }
        Route route = run.route();
        boolean analyze = EXPLAIN_ANALYZE.matcher(statement.text().toUpperCase(Locale.ROOT)).matches();
        if (route.shards().size() > 1 && analyze && route.kind() != StatementKind.READ) {
            return new Command.Refused("0A000",
                    "EXPLAIN ANALYZE of a change that runs on several shards would run it on one only; explain it without ANALYZE");
        }
        return new Command.Explain(Route.one(route.shards().getFirst(), StatementKind.READ, "explain"), route.shards());
    }

    /**
     * EXPLAIN ROUTE says what running the statement would do, the coordinator step included (or the
     * refusal running it would get). Not a hot path: a coordinated statement is resolved twice, the
     * second time for the merge planner's reason.
     */
    private Command explainRoute(LexedStatement statement, KeySource.Placeholders values, RouteContext context, boolean mayParse,
                                 Analysis planned) {
        LexedStatement explained = explained(statement, EXPLAIN_ROUTE_HEAD);
        Command routed = routed(explained, values, context, mayParse, planned);
        // Only the coordinator step is taken from what running the statement would do: pgsteer's own
        // writes (INSERT ... SELECT, a write by the keys of a subquery) would run, not be explained.
        if (routed instanceof Command.Refused refused
                && coordinated(explained, values, context, mayParse, planned) instanceof Command.Coordinate coordinate) {
            return new Command.ExplainCoordinated(coordinate, database.shards(), refused.reason(), explained.text());
        }
        if (!(routed instanceof Command.Run run)) {
            return routed;
        }
        Route route = run.route();
        Analysis analysis = planned != null ? planned : mayParse ? analysis(explained) : shards.cached(explained);
        String buckets = null;
        try {
            buckets = analysis == null ? null : shards.buckets(analysis, explained, values);
        } catch (RoutingException e) {
            // The route was made with these keys: placing them again cannot fail, and if it did the route still stands.
        }
        return new Command.ExplainRoute(buckets == null ? route : new Route(route.shards(), route.answer(), route.kind(),
                route.why() + "; " + buckets, route.textByShard(), route.merge(), route.parametersByShard()));
    }

    private static LexedStatement explained(LexedStatement statement, Pattern head) {
        return SqlLexer.statement(head.matcher(statement.text()).replaceFirst(""));
    }

    private Command copy(LexedStatement statement, RouteContext context, boolean mayParse, Analysis planned) {
        CopyStatement copy = CopyStatement.parse(statement.text());
        if (copy == null) {
            return new Command.Refused("0A000",
                    "pgsteer cannot read this COPY statement; write COPY table [(columns)] FROM STDIN or TO STDOUT");
        }
        if (copy.query() != null) {
            LexedStatement query = SqlLexer.statement(copy.query());
            Command inner = coordinated(query, KeySource.Placeholders.NONE, context, mayParse, planned);
            if (inner != null && !(inner instanceof Command.Run || inner instanceof Command.Coordinate || inner instanceof Command.Refused)) {
                // pgsteer's own writes (INSERT ... SELECT, a write by a subquery's keys) send no rows to COPY.
                return new Command.Refused("0A000", "COPY of this statement is not supported on a sharded database;"
                        + " run the statement itself");
            }
            if (inner instanceof Command.Run run && run.route().shards().size() > 1 && run.route().merge() != null) {
                // A COPY's rows pass through unmerged: rows that need merging (an aggregate, ORDER BY,
                // LIMIT, DISTINCT) would come once per shard. The coordinator answers instead.
                Analysis analysis = planned != null ? planned : mayParse ? analysis(query) : shards.cached(query);
                CoordinatorNeeded need = analysis == null ? null
                        : shards.coordination(analysis, "COPY of a query whose rows pgsteer merges");
                inner = need != null ? coordinate(query, analysis, need)
                        : new Command.Refused("0A000", "COPY of a query whose rows come from several shards and need merging"
                        + " is not supported; run the query itself");
            }
            if (inner instanceof Command.Coordinate coordinate) {
                // The client's COPY itself runs on the coordinator, over the pulled rows: its CopyData is PostgreSQL's own.
                return context.extended() ? new Command.Refused("0A000", "COPY of a query that reads several shards"
                        + " pgsteer cannot merge is supported in the simple query protocol only") : coordinate;
            }
            if (!(inner instanceof Command.Run run)) {
                return inner;
            }
            Route route = run.route();
            if (route.shards().size() > 1 && context.extended()) {
                return new Command.Refused("0A000", "COPY from several shards is supported in the simple query protocol only");
            }
            return new Command.Run(new Route(route.shards(), route.answer(), StatementKind.READ, route.why(), Map.of(), null));
        }
        var table = database.table(copy.table());
        if (table.isEmpty()) {
            return new Command.Run(Route.one(database.defaultShard(),
                    copy.from() ? StatementKind.WRITE : StatementKind.READ, "unsharded table " + copy.table()));
        }
        if (copy.from()) {
            // The relay feeds a COPY on several shards from the client's CopyData in the simple protocol only.
            return switch (table.get()) {
                case TableConfig.Sharded sharded when context.extended() -> new Command.Refused("0A000",
                        "COPY into sharded table " + sharded.name() + " is supported in the simple query protocol only");
                case TableConfig.Sharded sharded when copy.options().format().equals("binary") -> new Command.Refused("0A000",
                        "COPY into sharded table " + sharded.name() + " in binary format is not supported; use text or csv");
                case TableConfig.Sharded sharded -> new Command.CopyIntoShards(sharded, copy);
                case TableConfig.Reference reference when context.extended() -> new Command.Refused("0A000",
                        "COPY into reference table " + reference.name() + " is supported in the simple query protocol only");
                // Every row to every shard: the rows are not read, so binary format works too.
                case TableConfig.Reference reference -> new Command.CopyIntoReference(reference, copy);
            };
        }
        if (table.get() instanceof TableConfig.Sharded) {
            return new Command.Run(new Route(database.shards(), Answer.COMBINE, StatementKind.READ,
                    "every shard of " + copy.table(), Map.of(), null));
        }
        return new Command.Run(Route.one(database.defaultShard(), StatementKind.READ, "reference table"));
    }

    /** VACUUM and ANALYZE of the whole database or naming a table of the shard map run on every shard; others on the default one. */
    private Command maintenance(LexedStatement statement) {
        String upper = statement.text().toUpperCase(Locale.ROOT);
        boolean everywhere = database.tables().keySet().stream()
                .anyMatch(t -> upper.matches("(?s).*\\b" + t.toUpperCase(Locale.ROOT) + "\\b.*"))
                || WHOLE_DATABASE_MAINTENANCE.matcher(upper).matches();
        StatementKind kind = statement.firstKeyword().equals("VACUUM") ? StatementKind.NON_TRANSACTIONAL : StatementKind.DDL;
        return new Command.Run(everywhere ? everyShard(kind, Answer.MIRROR)
                : Route.one(database.defaultShard(), kind, "unsharded"));
    }

    /** The statement whose plan {@link #route} needs: the statement, the one EXPLAIN explains, a COPY's query; null for none. */
    private LexedStatement plannedPart(LexedStatement statement) {
        String first = statement.firstKeyword();
        return switch (first) {
            case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE", "DEALLOCATE",
                 "EXECUTE", "SET", "RESET", "DISCARD", "LISTEN", "UNLISTEN", "VACUUM", "ANALYZE", "CLUSTER", "REINDEX",
                 "CHECKPOINT", "FETCH", "MOVE", "CLOSE" -> null;
            case "DECLARE" -> {
                CursorStatement.Declaration declaration = CursorStatement.declaration(statement.text());
                yield declaration != null ? SqlLexer.statement(declaration.query()) : statement;
            }
            case "EXPLAIN" -> {
                String[] words = words(statement.text());
                yield explained(statement, words.length > 1 && words[1].equals("ROUTE") ? EXPLAIN_ROUTE_HEAD : EXPLAIN_HEAD);
            }
            case "COPY" -> {
                CopyStatement copy = CopyStatement.parse(statement.text());
                yield copy != null && copy.query() != null ? SqlLexer.statement(copy.query()) : null;
            }
            default -> statement;
        };
    }

    private Route everyShard(StatementKind kind) {
        return everyShard(kind, Answer.MIRROR);
    }

    private Route everyShard(StatementKind kind, Answer answer) {
        return new Route(database.shards(), answer, kind, "every shard", Map.of(), null);
    }

    private static Command sqlPrepare(LexedStatement statement) {
        PreparedStatementSql.Prepare prepare = PreparedStatementSql.prepare(statement.text());
        // Not read: PostgreSQL says what is wrong with it (the default shard checks it as it is).
        return prepare == null ? new Command.Refused("42601", "syntax error in PREPARE: write PREPARE name [ ( type [, ...] ) ] AS statement")
                : new Command.SqlPrepare(prepare);
    }

    private static Command sqlExecute(LexedStatement statement) {
        PreparedStatementSql.Execute execute = PreparedStatementSql.execute(statement.text());
        return execute == null ? new Command.Refused("42601", "syntax error in EXECUTE: write EXECUTE name [ ( argument [, ...] ) ]")
                : new Command.SqlExecute(execute);
    }

    private static Command unsupported(String what) {
        return new Command.Refused("0A000", what + " is not supported on a sharded database");
    }

    /**
     * The statement's first three tokens, words in upper case (comments skipped, as PostgreSQL skips
     * them): enough to tell the control statements apart. Read by the one SQL tokenizer.
     */
    private static String[] words(String text) {
        byte[] sql = text.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer tokens = new SqlTokenizer(sql, 0, sql.length, false);
        String[] words = new String[3];
        int n = 0;
        while (n < words.length && tokens.next() != SqlTokenizer.Kind.END && !tokens.isPunct(';')) {
            words[n++] = tokens.kind() == SqlTokenizer.Kind.WORD ? tokens.name().toUpperCase(Locale.ROOT)
                    : new String(sql, tokens.start(), tokens.stop() - tokens.start(), StandardCharsets.UTF_8);
        }
        return n == words.length ? words : Arrays.copyOf(words, n);
    }
}
