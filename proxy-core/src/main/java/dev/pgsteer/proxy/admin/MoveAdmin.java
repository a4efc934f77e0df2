package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.sharding.map.MapChangeException;
import dev.pgsteer.proxy.sharding.move.Moves;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console's online move commands (see {@link Moves}):
 * <pre>
 * MOVE BUCKET 5 OF orders [IN shop] TO s3        (or MOVE BUCKET '5 of 12' OF ...)   → one row: id | phase
 * MOVE TENANT acme TO s2                         → the same (a shared tenant of a directory, or a schema tenant)
 * MOVE KEY 'k' OF tenants [IN shop] TO s2        → the same (a directory key with its rows)
 * SHOW MOVES                                     → every move, newest first
 * SHOW MOVE 7                                    → one
 * CANCEL MOVE 7                                  → id | phase (a move before its flip rolls back; a queued one leaves the queue)
 * REBALANCE [orders] [IN shop]                   → id | phase | bucket | source | target, one row per planned move
 * SPLIT SHARD s1 TO s3 [IN shop]                 → the same
 * </pre>
 * SHOW MOVES' columns are a contract with the {@code ./pgsteer} progress display: keep them, in order.
 */
final class MoveAdmin {
    static final String MOVE_SYNTAX = "MOVE BUCKET bucket OF table [IN database] TO shard";
    static final String MOVE_TENANT_SYNTAX = "MOVE TENANT id TO shard";
    static final String MOVE_KEY_SYNTAX = "MOVE KEY 'key' OF group [IN database] TO shard";
    static final String CANCEL_SYNTAX = "CANCEL MOVE id";
    static final String SHOW_SYNTAX = "SHOW MOVE id";
    static final String REBALANCE_SYNTAX = "REBALANCE [table] [IN database]";
    static final String SPLIT_SHARD_SYNTAX = "SPLIT SHARD shard TO shard [IN database]";
    static final List<Column> PLANNED = List.of(Column.int8("id"), Column.text("phase"), Column.text("bucket"), Column.text("source"),
            Column.text("target"));
    static final List<Column> STARTED = List.of(Column.int8("id"), Column.text("phase"));
    static final List<Column> COLUMNS = List.of(Column.int8("id"), Column.text("kind"), Column.text("what"), Column.text("database"),
            Column.text("source"), Column.text("target"), Column.text("phase"), Column.int8("rows_copied"), Column.int8("rows_total"),
            Column.numeric("rows_per_second"), Column.int8("lag_bytes"), Column.numeric("lag_seconds"), Column.numeric("hold_ms"),
            Column.timestamptz("started"), Column.timestamptz("updated"), Column.text("error"));

    private static final String NAME = "(\"[^\"]+\"|[^\\s'\"]+)";
    private static final Pattern MOVE = Pattern.compile("(?i)MOVE BUCKET ('[^']*'|\\d+) OF " + NAME + "(?: IN " + NAME + ")? TO "
            + NAME);
    private static final Pattern MOVE_TENANT = Pattern.compile("(?i)MOVE TENANT " + NAME + " TO " + NAME);
    private static final Pattern MOVE_KEY = Pattern.compile("(?i)MOVE KEY ('(?:[^']|'')*'|[^\\s'\"]+) OF " + NAME + "(?: IN " + NAME
            + ")? TO " + NAME);
    private static final Pattern REBALANCE = Pattern.compile("(?i)REBALANCE(?: (?!IN )" + NAME + ")?(?: IN " + NAME + ")?");
    private static final Pattern SPLIT_SHARD = Pattern.compile("(?i)SPLIT SHARD " + NAME + " TO " + NAME + "(?: IN " + NAME + ")?");
    private static final Pattern CANCEL = Pattern.compile("(?i)CANCEL MOVE (\\d+)");
    private static final Pattern SHOW_ONE = Pattern.compile("(?i)SHOW MOVE (\\d+)");

    private MoveAdmin() {
    }

    static List<AdminCommand> help() {
        return List.of(new Described(MOVE_SYNTAX, "move a bucket of the table's group to another shard online, rows and all "
                        + "(in the background; SHOW MOVES follows it)"),
                new Described(MOVE_TENANT_SYNTAX, "move a tenant to another shard online with its rows (a shared tenant placed by"
                        + " its database's directory group, or a tenant in its own schema); its sessions follow it"),
                new Described(MOVE_KEY_SYNTAX, "move a key of a directory group to another shard online, with its rows"),
                new Described("SHOW MOVES", "the online moves, newest first: phase, rows copied, lag, write hold, error"),
                new Described(SHOW_SYNTAX, "one online move"),
                new Described(CANCEL_SYNTAX, "roll an online move back (before its flip): the source keeps the bucket; a queued "
                        + "move leaves the queue"),
                new Described(REBALANCE_SYNTAX, "even out the buckets of every hash group (or the table's) over the database's "
                        + "shards: a plan of online moves, run one after another in the background"),
                new Described(SPLIT_SHARD_SYNTAX, "move half of a shard's buckets (split first when it has one) to another shard, "
                        + "online, one after another"));
    }

    /** The command {@code text} (normalized) asks for, if it is a move command; a malformed one throws with its syntax. */
    static Optional<AdminCommand> parse(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        if (upper.equals("SHOW MOVES")) {
            return Optional.of(new Run("SHOW MOVES", COLUMNS, "SHOW", moves -> moves.list()));
        }
        if (upper.startsWith("SHOW MOVE ")) {
            long id = id(SHOW_ONE, text, SHOW_SYNTAX);
            return Optional.of(new Run("SHOW MOVE", COLUMNS, "SHOW", moves -> moves.get(id).map(List::of).orElse(List.of())));
        }
        if (upper.startsWith("MOVE TENANT ")) {
            Matcher m = MOVE_TENANT.matcher(text);
            if (!m.matches()) {
                throw syntax(MOVE_TENANT_SYNTAX);
            }
            String tenant = unquote(m.group(1));
            String shard = unquote(m.group(2));
            return Optional.of(new Run("MOVE TENANT", STARTED, "MOVE", moves -> List.of(moves.moveTenant(tenant, shard))));
        }
        if (upper.startsWith("MOVE KEY ")) {
            Matcher m = MOVE_KEY.matcher(text);
            if (!m.matches()) {
                throw syntax(MOVE_KEY_SYNTAX);
            }
            String key = m.group(1).startsWith("'") ? unquote(m.group(1)).replace("''", "'") : m.group(1);
            String group = unquote(m.group(2));
            String database = m.group(3) == null ? null : unquote(m.group(3));
            String shard = unquote(m.group(4));
            return Optional.of(new Run("MOVE KEY", STARTED, "MOVE", moves -> List.of(moves.moveKey(database, group, key, shard))));
        }
        if (upper.startsWith("MOVE ")) {
            Matcher m = MOVE.matcher(text);
            if (!m.matches()) {
                throw syntax(MOVE_SYNTAX);
            }
            String bucket = unquote(m.group(1));
            String table = unquote(m.group(2));
            String database = m.group(3) == null ? null : unquote(m.group(3));
            String shard = unquote(m.group(4));
            return Optional.of(new Run("MOVE BUCKET", STARTED, "MOVE", moves -> List.of(moves.move(database, table, bucket, shard))));
        }
        if (upper.equals("REBALANCE") || upper.startsWith("REBALANCE ")) {
            Matcher m = REBALANCE.matcher(text);
            if (!m.matches()) {
                throw syntax(REBALANCE_SYNTAX);
            }
            String table = m.group(1) == null ? null : unquote(m.group(1));
            String database = m.group(2) == null ? null : unquote(m.group(2));
            return Optional.of(new Plan("REBALANCE", moves -> moves.rebalance(database, table)));
        }
        if (upper.startsWith("SPLIT SHARD")) {
            Matcher m = SPLIT_SHARD.matcher(text);
            if (!m.matches()) {
                throw syntax(SPLIT_SHARD_SYNTAX);
            }
            String source = unquote(m.group(1));
            String target = unquote(m.group(2));
            String database = m.group(3) == null ? null : unquote(m.group(3));
            return Optional.of(new Plan("SPLIT SHARD", moves -> moves.splitShard(database, source, target)));
        }
        if (upper.startsWith("CANCEL ")) {
            long id = id(CANCEL, text, CANCEL_SYNTAX);
            return Optional.of(new Run("CANCEL MOVE", STARTED, "CANCEL", moves -> {
                moves.cancel(id);
                return moves.get(id).map(List::of).orElse(List.of());
            }));
        }
        return Optional.empty();
    }

    private static long id(Pattern pattern, String text, String syntax) {
        Matcher m = pattern.matcher(text);
        if (!m.matches()) {
            throw syntax(syntax);
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw syntax(syntax);
        }
    }

    private static String unquote(String word) {
        if (word.length() >= 2 && (word.startsWith("'") && word.endsWith("'") || word.startsWith("\"") && word.endsWith("\""))) {
            return word.substring(1, word.length() - 1);
        }
        return word;
    }

    private static AdminCommandException syntax(String syntax) {
        return new AdminCommandException(SqlState.SYNTAX_ERROR, "syntax error in move command", "write " + syntax);
    }

    /** One row of SHOW MOVES. */
    static Object[] row(MoveRecord m) {
        BigDecimal rate = null;
        if (m.started() != null && m.updated() != null && m.rowsCopied() > 0) {
            double seconds = Duration.between(m.started(), m.updated()).toMillis() / 1000.0;
            if (seconds > 0) {
                rate = BigDecimal.valueOf(m.rowsCopied() / seconds).setScale(1, RoundingMode.HALF_UP);
            }
        }
        return new Object[] {m.id(), m.kind(), m.what(), m.database(), m.source(), m.target(), m.phase(), m.rowsCopied(),
                m.rowsTotal(), rate, m.lagBytes(), m.lagSeconds(), m.holdMs(), m.started(), m.updated(), m.error()};
    }

    private record Run(String name, List<Column> columns, String tag, Function<Moves, List<MoveRecord>> work)
            implements AdminCommand {
        @Override
        public String description() {
            return name;
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            Moves moves = context.moves();
            if (moves == null) {
                return CompletableFuture.failedFuture(new AdminCommandException(SqlState.FEATURE_NOT_SUPPORTED,
                        "online moves need a metadata store shared by the instances (metadata_store:)",
                        "a move outlives the instance that runs it, and every instance holds its writes: both live in the store"));
            }
            return ControlPlane.run("moves", () -> {
                try {
                    Result.Builder result = new Result.Builder(columns);
                    for (MoveRecord m : work.apply(moves)) {
                        result.row(columns == STARTED ? new Object[] {m.id(), m.phase()} : row(m));
                    }
                    return result.build(tag);
                } catch (MapChangeException e) {
                    throw new AdminCommandException(e.state(), e.getMessage(), e.hint());
                }
            });
        }
    }

    /**
     * REBALANCE or SPLIT SHARD: one row per planned move, in the order they run; an empty plan answers
     * one row without an id that says there is nothing to move.
     */
    private record Plan(String name, Function<Moves, List<MoveRecord>> work) implements AdminCommand {
        @Override
        public String description() {
            return name;
        }

        @Override
        public List<Column> columns() {
            return PLANNED;
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            Moves moves = context.moves();
            if (moves == null) {
                return CompletableFuture.failedFuture(new AdminCommandException(SqlState.FEATURE_NOT_SUPPORTED,
                        "online moves need a metadata store shared by the instances (metadata_store:)",
                        "a plan of moves outlives the instance that runs it, and every instance holds its writes: both live in the store"));
            }
            return ControlPlane.run("moves", () -> {
                try {
                    Result.Builder result = new Result.Builder(PLANNED);
                    List<MoveRecord> planned = work.apply(moves);
                    if (planned.isEmpty()) {
                        result.row(null, "nothing to move: the buckets are balanced already", null, null, null);
                    }
                    for (MoveRecord m : planned) {
                        result.row(m.id(), m.phase(), m.remainder() + " of " + m.modulus() + " of " + m.tables().getFirst(), m.source(),
                                m.target());
                    }
                    return result.build(name);
                } catch (MapChangeException e) {
                    throw new AdminCommandException(e.state(), e.getMessage(), e.hint());
                }
            });
        }
    }

    /** A line of SHOW HELP: a command's syntax. */
    private record Described(String name, String description) implements AdminCommand {
        @Override
        public List<Column> columns() {
            return List.of();
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            throw new IllegalStateException("a help line, not a command");
        }
    }
}
