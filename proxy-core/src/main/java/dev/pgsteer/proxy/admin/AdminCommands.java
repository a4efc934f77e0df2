package dev.pgsteer.proxy.admin;

import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The console's commands and how a statement's text selects one: case-insensitive, runs of spaces
 * as one, a trailing {@code ;} optional. {@code SET} and {@code RESET} are accepted and ignored, since
 * drivers send them on their own (pgjdbc's {@code SET extra_float_digits = 3}); any other SQL is
 * refused with 0A000, and an unknown SHOW (or KILL, SUSPEND, ...) with 42601 and the list.
 */
final class AdminCommands {
    /** First words that are console verbs, not SQL: an unknown command starting so is a typo, not a query. */
    private static final List<String> VERBS = List.of("SHOW", "HELP", "PAUSE", "RESUME", "RELOAD", "KILL", "SUSPEND",
            "SHUTDOWN", "ENABLE", "DISABLE", "RECONNECT", "WAIT_CLOSE", "MIGRATE", "SPLIT", "ASSIGN", "UNASSIGN", "ADD", "MOVE",
            "CANCEL", "REBALANCE");

    /** What a statement of the console asks for. */
    sealed interface Parsed {
        record Run(AdminCommand command) implements Parsed {
        }

        /** A statement drivers send on their own; answered with its tag and nothing done. */
        record Ignored(String tag) implements Parsed {
        }

        record Empty() implements Parsed {
        }

        /** Looks like a console command but is none: 42601. */
        record Unknown(String text) implements Parsed {
        }

        /** SQL, which the console does not run: 0A000. */
        record NotACommand(String text) implements Parsed {
        }

        /** A command with arguments it cannot take: the error says the syntax. */
        record Invalid(AdminCommandException error) implements Parsed {
        }
    }

    private final List<AdminCommand> commands;

    AdminCommands() {
        List<AdminCommand> all = new ArrayList<>(List.of(new ShowDatabases(), new ShowShards(), new ShowBuckets(), new ShowPools(),
                new ShowClients(), new ShowCoordinators(), new ShowStats(), new ShowConfig(), new ShowVersion(), new ShowTenants(),
                new ShowMetadataStore(), new Pause(true), new Pause(false), new Reload(), new ShowShardMapVersion()));
        all.addAll(TenantAdmin.help());
        all.addAll(BucketAdmin.help());
        all.addAll(KeyAdmin.help());
        all.addAll(ShardAdmin.help());
        all.addAll(MoveAdmin.help());
        all.add(new ShowHelp(all));
        this.commands = List.copyOf(all);
    }

    List<AdminCommand> all() {
        return commands;
    }

    /** The commands' names, for error hints: {@code SHOW DATABASES, SHOW SHARDS, ...}. */
    String names() {
        // Commands with arguments by their verbs only: SHOW HELP gives their syntax.
        return String.join(", ", commands.stream().map(c -> c.name().replaceAll(" (id|'file\\.sql'|bucket|OF table|'key'|FROM 'file'|\\[OF|\\[table\\]|shard|name)( .*)?$", "")).toList())
                + " (or HELP)";
    }

    Parsed parse(String statement) {
        String text = normalize(statement);
        if (text.isEmpty()) {
            return new Parsed.Empty();
        }
        String upper = text.toUpperCase(Locale.ROOT);
        if (upper.equals("HELP")) {
            return new Parsed.Run(command("SHOW HELP").orElseThrow());
        }
        Optional<AdminCommand> command = command(upper);
        if (command.isPresent()) {
            return new Parsed.Run(command.get());
        }
        try {
            // Before SET is ignored: SET BUCKET is a command of ours, not a driver's setting.
            Optional<AdminCommand> bucketCommand = BucketAdmin.parse(text);
            if (bucketCommand.isPresent()) {
                return new Parsed.Run(bucketCommand.get());
            }
            Optional<AdminCommand> moveCommand = MoveAdmin.parse(text);
            if (moveCommand.isPresent()) {
                return new Parsed.Run(moveCommand.get());
            }
            Optional<AdminCommand> tenantCommand = TenantAdmin.parse(text);
            if (tenantCommand.isPresent()) {
                return new Parsed.Run(tenantCommand.get());
            }
            Optional<AdminCommand> keyCommand = KeyAdmin.parse(text);
            if (keyCommand.isPresent()) {
                return new Parsed.Run(keyCommand.get());
            }
            Optional<AdminCommand> shardCommand = ShardAdmin.parse(text);
            if (shardCommand.isPresent()) {
                return new Parsed.Run(shardCommand.get());
            }
        } catch (AdminCommandException e) {
            return new Parsed.Invalid(e);
        }
        String first = upper.split(" ", 2)[0];
        if (first.equals("SET") || first.equals("RESET")) {
            return new Parsed.Ignored(first);
        }
        return VERBS.contains(first) ? new Parsed.Unknown(text) : new Parsed.NotACommand(text);
    }

    private Optional<AdminCommand> command(String upper) {
        return commands.stream().filter(c -> c.name().equals(upper) && !c.columns().isEmpty()).findFirst();
    }

    /** Without surrounding space and trailing semicolons, with every run of white space as one space. */
    static String normalize(String statement) {
        String text = statement.strip();
        while (text.endsWith(";")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        return text.replaceAll("\\s+", " ");
    }

    /**
     * The statements of a simple Query, split where PostgreSQL splits them (the SQL lexer knows
     * quotes, dollar quotes and comments); blank ones dropped, so {@code "SHOW POOLS;"} is one
     * statement and {@code ";"} none.
     */
    static List<String> split(String sql) {
        List<String> statements = new ArrayList<>(1);
        for (LexedStatement statement : SqlLexer.statements(sql)) {
            String text = statement.text().strip();
            if (!text.isEmpty()) {
                statements.add(text);
            }
        }
        return statements;
    }
}
