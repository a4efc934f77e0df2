package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.sharding.shards.AddShard;
import dev.pgsteer.proxy.sharding.shards.ShardChangeException;
import dev.pgsteer.proxy.sharding.shards.ShardList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ADD SHARD name 'postgresql://...' [TO database] [SCHEMA EXISTS]}: an empty server becomes a
 * shard of a sharded database on every instance, its schema copied from the default shard ({@link
 * AddShard}). Answers one row per step done.
 */
final class ShardAdmin {
    static final String ADD_SYNTAX = "ADD SHARD name 'postgresql://...' [TO database] [SCHEMA EXISTS]";
    static final List<Column> COLUMNS = List.of(Column.text("database"), Column.text("shard"), Column.text("step"),
            Column.text("done"));

    private static final String NAME = "(\"[^\"]+\"|[^\\s'\"]+)";
    private static final Pattern ADD = Pattern.compile("(?i)ADD SHARD " + NAME + " ('[^']*'|[^\\s']+)(?: TO " + NAME + ")?( SCHEMA EXISTS)?");

    private ShardAdmin() {
    }

    static List<AdminCommand> help() {
        return List.of(new Described(ADD_SYNTAX, "make an empty server a shard of the database on every instance (kept in the "
                + "metadata store): its schema copied from the default shard, reference tables with their rows; it holds no bucket "
                + "until one is put there"));
    }

    static Optional<AdminCommand> parse(String text) {
        if (!text.toUpperCase(Locale.ROOT).startsWith("ADD ")) {
            return Optional.empty();
        }
        Matcher m = ADD.matcher(text);
        if (!m.matches()) {
            throw new AdminCommandException(SqlState.SYNTAX_ERROR, "syntax error in ADD SHARD", "write " + ADD_SYNTAX);
        }
        AddShard.Request request = new AddShard.Request(unquote(m.group(1)), unquote(m.group(2)),
                m.group(3) == null ? null : unquote(m.group(3)), m.group(4) != null);
        return Optional.of(new Add(request));
    }

    private static String unquote(String word) {
        if (word.length() >= 2 && (word.startsWith("'") && word.endsWith("'") || word.startsWith("\"") && word.endsWith("\""))) {
            return word.substring(1, word.length() - 1);
        }
        return word;
    }

    private record Add(AddShard.Request request) implements AdminCommand {
        @Override
        public String name() {
            return "ADD SHARD";
        }

        @Override
        public String description() {
            return "ADD SHARD";
        }

        @Override
        public List<Column> columns() {
            return COLUMNS;
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            ShardList shards = context.shardList();
            if (shards == null) {
                return CompletableFuture.failedFuture(new AdminCommandException(SqlState.FEATURE_NOT_SUPPORTED,
                        "this pgsteer has no shard list to add to", null));
            }
            return ControlPlane.run("add-shard", () -> {
                try {
                    Result.Builder rows = new Result.Builder(COLUMNS);
                    for (AddShard.Step step : AddShard.run(context.config(), shards, request)) {
                        rows.row(step.database(), step.shard(), step.step(), step.done());
                    }
                    return rows.build("ADD SHARD");
                } catch (ShardChangeException e) {
                    throw new AdminCommandException(e.state(), e.getMessage(), e.hint());
                }
            });
        }
    }

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
