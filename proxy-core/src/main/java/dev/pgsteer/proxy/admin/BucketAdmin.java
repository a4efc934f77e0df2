package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.sharding.map.MapChangeException;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console's bucket map commands, which change where a hash-sharded table group's keys go (no row
 * moves; see {@link ShardMaps}):
 * <pre>
 * SET BUCKET 5 OF orders [IN shop] TO s2          (or SET BUCKET '5 of 12' OF ...)
 * SPLIT BUCKETS OF orders [IN shop] INTO 24
 * </pre>
 * Each answers a row with the database, the group's tables (they change together), the new shard map
 * version and what was done.
 */
final class BucketAdmin {
    static final String SET_SYNTAX = "SET BUCKET bucket OF table [IN database] TO shard";
    static final String SPLIT_SYNTAX = "SPLIT BUCKETS OF table [IN database] INTO n";
    static final List<Column> COLUMNS = List.of(Column.text("database"), Column.text("tables"), Column.int8("version"),
            Column.text("done"));

    private static final String NAME = "(\"[^\"]+\"|[^\\s'\"]+)";
    private static final Pattern SET = Pattern.compile("(?i)SET BUCKET ('[^']*'|\\d+) OF " + NAME + "(?: IN " + NAME + ")? TO "
            + NAME);
    private static final Pattern SPLIT = Pattern.compile("(?i)SPLIT BUCKETS OF " + NAME + "(?: IN " + NAME + ")? INTO (\\d+)");

    private BucketAdmin() {
    }

    static List<AdminCommand> help() {
        return List.of(new Described(SET_SYNTAX, "put a bucket (5, or '5 of 12') of the table's group on another shard, on every "
                        + "instance; moves no rows"),
                new Described(SPLIT_SYNTAX, "split every bucket of the table's group into n buckets (a multiple), each on the "
                        + "shard that held its keys; moves no rows"));
    }

    /** The command {@code text} (normalized) asks for, if it is a bucket command; a malformed one throws with its syntax. */
    static Optional<AdminCommand> parse(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        if (upper.startsWith("SET BUCKET ")) {
            Matcher m = SET.matcher(text);
            if (!m.matches()) {
                throw syntax(SET_SYNTAX);
            }
            String bucket = unquote(m.group(1));
            String table = unquote(m.group(2));
            String database = m.group(3) == null ? null : unquote(m.group(3));
            String shard = unquote(m.group(4));
            return Optional.of(new Run("SET BUCKET", table, maps -> maps.setBucket(database, table, bucket, shard)));
        }
        if (upper.startsWith("SPLIT BUCKETS ") || upper.equals("SPLIT BUCKETS")
                || upper.startsWith("SPLIT ") && !upper.startsWith("SPLIT SHARD")) {   // SPLIT SHARD is MoveAdmin's
            Matcher m = SPLIT.matcher(text);
            if (!m.matches()) {
                throw syntax(SPLIT_SYNTAX);
            }
            String table = unquote(m.group(1));
            String database = m.group(2) == null ? null : unquote(m.group(2));
            int into;
            try {
                into = Integer.parseInt(m.group(3));
            } catch (NumberFormatException e) {
                throw syntax(SPLIT_SYNTAX);
            }
            return Optional.of(new Run("SPLIT BUCKETS", table, maps -> maps.split(database, table, into)));
        }
        return Optional.empty();
    }

    private static String unquote(String word) {
        if (word.length() >= 2 && (word.startsWith("'") && word.endsWith("'") || word.startsWith("\"") && word.endsWith("\""))) {
            return word.substring(1, word.length() - 1);
        }
        return word;
    }

    private static AdminCommandException syntax(String syntax) {
        return new AdminCommandException(SqlState.SYNTAX_ERROR, "syntax error in bucket command", "write " + syntax);
    }

    /** A bucket command with its arguments bound. */
    private record Run(String name, String table, Function<ShardMaps, ShardMaps.Change> change) implements AdminCommand {
        @Override
        public String description() {
            return name;
        }

        @Override
        public List<Column> columns() {
            return COLUMNS;
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            ShardMaps maps = context.shardMaps();
            if (maps == null) {
                return CompletableFuture.failedFuture(new AdminCommandException(SqlState.FEATURE_NOT_SUPPORTED,
                        "this pgsteer has no bucket maps to change", null));
            }
            return ControlPlane.run("buckets", () -> {
                if (context.moves() != null) {
                    context.moves().unfinished(table).ifPresent(m -> {
                        throw new AdminCommandException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "table " + table + " has an "
                                + "unfinished move (" + m.id() + ", " + m.what() + ", " + m.phase() + "): its bucket map changes "
                                + "only through it until it ends", "wait for SHOW MOVES to say done, or CANCEL MOVE " + m.id());
                    });
                }
                try {
                    ShardMaps.Change done = change.apply(maps);
                    return new Result.Builder(COLUMNS).row(done.database(), String.join(", ", done.tables()), done.version(),
                            done.done()).build(name);
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
