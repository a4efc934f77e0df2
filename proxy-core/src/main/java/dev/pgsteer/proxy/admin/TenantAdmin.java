package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantState;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.tenant.control.TenantLifecycle;
import dev.pgsteer.proxy.tenant.control.TenantMigrator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.postgresql.util.PSQLException;

/**
 * The console's tenant commands, which take arguments:
 * <pre>
 * CREATE TENANT acme MODE schema|shared|database [ON s1] [IN saas] [SCHEMA name] [BACKEND dbname]
 *     [ROLE name] [PASSWORD 'pw'] | [NO ROLE]       (the role is the tenant id by default; NO ROLE: trusted tenants only)
 * ALTER TENANT acme SET READ ONLY | SET READ WRITE | SET ACTIVE | SET MOVING
 * DROP TENANT acme [CASCADE]
 * MIGRATE '/path/file.sql' [TENANTS acme, globex]
 * </pre>
 */
final class TenantAdmin {
    static final String CREATE_SYNTAX = "CREATE TENANT id MODE schema|shared|database [ON shard] [IN database] "
            + "[SCHEMA name] [BACKEND database] [ROLE name] [PASSWORD 'secret'] | [NO ROLE]";
    static final String ALTER_SYNTAX = "ALTER TENANT id SET READ ONLY | SET READ WRITE | SET ACTIVE | SET MOVING";
    static final String DROP_SYNTAX = "DROP TENANT id [CASCADE]";
    static final String MIGRATE_SYNTAX = "MIGRATE 'file.sql' [TENANTS id, id, ...]";
    static final List<Column> STEPS = List.of(Column.text("tenant"), Column.text("done"));
    static final List<Column> MIGRATION = List.of(Column.text("tenant"), Column.text("target"), Column.text("status"),
            Column.text("detail"));

    private TenantAdmin() {
    }

    /** Help lines: the syntax of each command. */
    static List<AdminCommand> help() {
        return List.of(new Described(CREATE_SYNTAX, "create the tenant's role (named after it; NO ROLE: trusted tenants only), its schema or database and grants, apply the template, add to the directory"),
                new Described(ALTER_SYNTAX, "change a tenant's state (read only: its transactions are read-only)"),
                new Described(DROP_SYNTAX, "remove from the directory; CASCADE also drops its schema or database and role"),
                new Described(MIGRATE_SYNTAX, "run a SQL file for every tenant (or those listed), stopping at the first failure"));
    }

    /** The command {@code text} asks for, if it is a tenant command; a malformed one throws with its syntax. */
    static Optional<AdminCommand> parse(String text) {
        List<String> words = words(text);
        if (words.size() < 2) {
            return Optional.empty();
        }
        String verb = upper(words.get(0)) + " " + upper(words.get(1));
        return switch (verb) {
            case "CREATE TENANT" -> Optional.of(create(words));
            case "ALTER TENANT" -> Optional.of(alter(words));
            case "DROP TENANT" -> Optional.of(drop(words));
            default -> upper(words.get(0)).equals("MIGRATE") ? Optional.of(migrate(words)) : Optional.empty();
        };
    }

    private static AdminCommand create(List<String> w) {
        if (w.size() < 5 || !upper(w.get(3)).equals("MODE")) {
            throw syntax(CREATE_SYNTAX);
        }
        String id = w.get(2);
        String mode = w.get(4);
        String shard = null, database = null, schema = null, backend = null, role = null, password = null;
        boolean noRole = false;
        for (int i = 5; i < w.size(); i += 2) {
            if (i + 1 >= w.size()) {
                throw syntax(CREATE_SYNTAX);
            }
            String value = w.get(i + 1);
            if (upper(w.get(i)).equals("NO") && upper(value).equals("ROLE")) {
                noRole = true;
                continue;
            }
            switch (upper(w.get(i))) {
                case "ON" -> shard = value;
                case "IN" -> database = value;
                case "SCHEMA" -> schema = value;
                case "BACKEND" -> backend = value;
                case "ROLE" -> role = value;
                case "PASSWORD" -> password = value;
                default -> throw syntax(CREATE_SYNTAX);
            }
        }
        String fDatabase = database, fShard = shard, fSchema = schema, fBackend = backend, fRole = role, fPassword = password;
        boolean fNoRole = noRole;
        return new Run("CREATE TENANT", STEPS, context -> {
            TenantLifecycle lifecycle = new TenantLifecycle(context.tenants());
            TenantConfig spec = lifecycle.spec(id, fDatabase, mode, fShard, fSchema, fBackend, fRole, fPassword, fNoRole);
            return ControlPlane.run("create-tenant", () -> steps(id, sql(() -> lifecycle.create(spec)), "CREATE TENANT"));
        });
    }

    private static AdminCommand alter(List<String> w) {
        if (w.size() < 5 || !upper(w.get(3)).equals("SET")) {
            throw syntax(ALTER_SYNTAX);
        }
        String what = String.join(" ", w.subList(4, w.size())).toUpperCase(Locale.ROOT);
        TenantState state = switch (what) {
            case "READ ONLY" -> TenantState.READ_ONLY;
            case "READ WRITE", "ACTIVE" -> TenantState.ACTIVE;
            case "MOVING" -> TenantState.MOVING;
            default -> throw syntax(ALTER_SYNTAX);
        };
        String id = w.get(2);
        return new Run("ALTER TENANT", STEPS, context -> ControlPlane.run("alter-tenant", () -> {
            notMoving(context, id);
            TenantConfig updated = new TenantLifecycle(context.tenants()).alter(id, state);
            return steps(id, List.of("state " + updated.state().configName() + " (version " + updated.version() + ")"), "ALTER TENANT");
        }));
    }

    private static AdminCommand drop(List<String> w) {
        boolean cascade = w.size() == 4 && upper(w.get(3)).equals("CASCADE");
        if (w.size() != 3 && !cascade) {
            throw syntax(DROP_SYNTAX);
        }
        String id = w.get(2);
        return new Run("DROP TENANT", STEPS, context -> ControlPlane.run("drop-tenant", () -> {
            notMoving(context, id);
            return steps(id, sql(() -> new TenantLifecycle(context.tenants()).drop(id, cascade)), "DROP TENANT");
        }));
    }

    /** A tenant that MOVE TENANT moves is the move's until it ends: the move changes its shard, and its rows are on two shards. */
    private static void notMoving(ProxyContext context, String id) {
        var moves = context.moves();
        if (moves == null) {
            return;
        }
        context.tenants().find(id).flatMap(t -> moves.moving(t.database(), t.id())).ifPresent(m -> {
            throw new AdminCommandException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "tenant " + id + " is moving from " + m.source()
                    + " to " + m.target() + " (move " + m.id() + ", " + m.phase() + ")", "wait for SHOW MOVES to say done, or CANCEL MOVE "
                    + m.id());
        });
    }

    private static AdminCommand migrate(List<String> w) {
        if (w.size() < 2) {
            throw syntax(MIGRATE_SYNTAX);
        }
        Path file = Path.of(w.get(1));
        List<String> ids = new ArrayList<>();
        if (w.size() > 2) {
            if (!upper(w.get(2)).equals("TENANTS") || w.size() < 4) {
                throw syntax(MIGRATE_SYNTAX);
            }
            for (String part : String.join(" ", w.subList(3, w.size())).split("[,\\s]+")) {
                if (!part.isBlank()) {
                    ids.add(part);
                }
            }
        }
        return new Run("MIGRATE", MIGRATION, context -> ControlPlane.run("migrate", () -> {
            String sql;
            try {
                sql = Files.readString(file);
            } catch (IOException e) {
                throw new AdminCommandException(SqlState.UNDEFINED_FILE, "cannot read " + file.toAbsolutePath() + ": " + e.getMessage(),
                        "give the path of a SQL file on the machine pgsteer runs on");
            }
            List<TenantMigrator.Step> steps = new TenantLifecycle(context.tenants()).migrate(sql, ids);
            Result.Builder result = new Result.Builder(MIGRATION);
            steps.forEach(s -> result.row(s.tenant(), s.target(), s.status(), s.detail()));
            return new Result(MIGRATION, result.build().rows(), "MIGRATE");
        }));
    }

    private static Result steps(String tenant, List<String> done, String tag) {
        Result.Builder result = new Result.Builder(STEPS);
        done.forEach(line -> result.row(tenant, line));
        return new Result(STEPS, result.build().rows(), tag);
    }

    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /** Runs JDBC work, turning its failure and the lifecycle's refusals into the console's errors. */
    private static <T> T sql(SqlWork<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            String message = e instanceof PSQLException p && p.getServerErrorMessage() != null
                    ? p.getServerErrorMessage().getMessage() : e.getMessage();
            throw new AdminCommandException(e.getSQLState() == null ? SqlState.SYSTEM_ERROR.code() : e.getSQLState(),
                    "the backend refused: " + message, null);
        }
    }

    private static AdminCommandException syntax(String syntax) {
        return new AdminCommandException(SqlState.SYNTAX_ERROR, "syntax error in tenant command", "write " + syntax);
    }

    private static String upper(String word) {
        return word.toUpperCase(Locale.ROOT);
    }

    /** Words split at white space and commas kept apart; '...' and "..." are one word, without their quotes. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote && i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    word.append(c);
                    i++;
                } else if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                quoted = true;
            } else if (Character.isWhitespace(c) || c == ',') {
                if (!word.isEmpty() || quoted) {
                    words.add(word.toString());
                    word.setLength(0);
                    quoted = false;
                }
            } else {
                word.append(c);
            }
        }
        if (!word.isEmpty() || quoted) {
            words.add(word.toString());
        }
        return words;
    }

    /** A tenant command with its arguments bound. */
    private record Run(String name, List<Column> columns, Function<ProxyContext, CompletableFuture<Result>> body)
            implements AdminCommand {
        @Override
        public String description() {
            return name;
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            try {
                return body.apply(context);
            } catch (TenantLifecycle.Refused e) {
                return CompletableFuture.failedFuture(new AdminCommandException(e.sqlState(), e.getMessage(), null));
            }
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
