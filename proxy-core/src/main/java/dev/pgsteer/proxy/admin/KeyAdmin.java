package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.KeyDirectoryStore;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.directory.DirectoryKeys;
import dev.pgsteer.proxy.sharding.directory.KeyRows;
import dev.pgsteer.router.directory.KeyCaches;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.ShardChooser;
import dev.pgsteer.router.shard.ShardedTable;
import dev.pgsteer.router.shard.UnmatchedKeyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The console's commands on the key directory of {@code function: directory} tables:
 * <pre>
 * ASSIGN KEY 'acme' [OF group] [IN database] TO s2 [FORCE]
 * ASSIGN KEYS FROM '/path/keys.csv' [OF group] [IN database]     (lines: key,shard)
 * UNASSIGN KEY 'acme' [OF group] [IN database]
 * SHOW KEYS [OF group] [IN database]
 * SHOW KEY 'acme' [OF group] [IN database]
 * COPY KEYS [OF group] [IN database] FROM STDIN                 (rows: key TAB shard, or key,shard)
 * </pre>
 * {@code OF} and {@code IN} may be left out when only one directory group (of one database) fits.
 * A key is written as text and stored as routing normalizes it in the group's key type (integer
 * {@code '007'} is {@code 7}). Assigning moves no row: ASSIGN KEY refuses a key whose rows are where
 * it is placed now (on another shard) unless FORCE is given; ASSIGN KEYS does not look.
 */
final class KeyAdmin {
    static final String ASSIGN_SYNTAX = "ASSIGN KEY 'key' [OF group] [IN database] TO shard [FORCE]";
    static final String BULK_SYNTAX = "ASSIGN KEYS FROM 'file' [OF group] [IN database]";
    static final String UNASSIGN_SYNTAX = "UNASSIGN KEY 'key' [OF group] [IN database]";
    static final String SHOW_KEYS_SYNTAX = "SHOW KEYS [OF group] [IN database]";
    static final String SHOW_KEY_SYNTAX = "SHOW KEY 'key' [OF group] [IN database]";
    static final String COPY_SYNTAX = "COPY KEYS [OF group] [IN database] FROM STDIN";
    static final List<Column> KEYS = List.of(Column.text("database"), Column.text("group"), Column.text("key"),
            Column.text("shard"), Column.int8("version"));
    static final List<Column> KEY = List.of(Column.text("database"), Column.text("group"), Column.text("key"),
            Column.text("shard"), Column.text("placed_by"));
    static final List<Column> ASSIGNED = List.of(Column.text("database"), Column.text("group"), Column.text("key"),
            Column.text("shard"), Column.text("before"));
    /** Most rows SHOW KEYS prints; the store may hold more. */
    static final int SHOW_LIMIT = 10_000;

    private KeyAdmin() {
    }

    static List<AdminCommand> help() {
        return List.of(new Described(ASSIGN_SYNTAX, "place a key of a directory group on a shard (moves no row; refused when "
                        + "the key has rows where it is placed now, unless FORCE)"),
                new Described(BULK_SYNTAX, "assign every key of a file (lines: key,shard) in one change"),
                new Described(UNASSIGN_SYNTAX, "remove a key from its directory group (its table's default for unknown keys applies)"),
                new Described(SHOW_KEYS_SYNTAX, "the assigned keys of directory groups (the first " + SHOW_LIMIT + ")"),
                new Described(SHOW_KEY_SYNTAX, "where one key of a directory group goes, and why"),
                new Described(COPY_SYNTAX, "assign every key,shard row the client copies (psql's \\copy, pgjdbc's CopyManager) in one change"));
    }

    /** The command {@code text} asks for, if it is a key command; a malformed one throws with its syntax. */
    static Optional<AdminCommand> parse(String text) {
        List<String> w = TenantAdmin.words(text);
        if (w.size() < 2) {
            return Optional.empty();
        }
        String verb = upper(w.get(0)) + " " + upper(w.get(1));
        return switch (verb) {
            case "ASSIGN KEY" -> Optional.of(assign(w));
            case "ASSIGN KEYS" -> Optional.of(bulk(w));
            case "UNASSIGN KEY" -> Optional.of(unassign(w));
            case "SHOW KEYS" -> Optional.of(showKeys(w));
            case "SHOW KEY" -> Optional.of(showKey(w));
            case "COPY KEYS" -> Optional.of(copy(w));
            default -> Optional.empty();
        };
    }

    /** {@code OF group}, {@code IN database}, {@code TO shard}, {@code FORCE}, from word {@code from} on. */
    private record Options(String group, String database, String shard, boolean force) {
        static Options of(List<String> w, int from, String syntax, boolean takesShard) {
            String group = null, database = null, shard = null;
            boolean force = false;
            for (int i = from; i < w.size(); i++) {
                String word = upper(w.get(i));
                if (word.equals("FORCE") && takesShard) {
                    force = true;
                    continue;
                }
                if (i + 1 >= w.size()) {
                    throw syntax(syntax);
                }
                String value = w.get(++i);
                switch (word) {
                    case "OF" -> group = value.toLowerCase(Locale.ROOT);
                    case "IN" -> database = value;
                    case "TO" -> {
                        if (!takesShard) {
                            throw syntax(syntax);
                        }
                        shard = value;
                    }
                    default -> throw syntax(syntax);
                }
            }
            if (takesShard && shard == null) {
                throw syntax(syntax);
            }
            return new Options(group, database, shard, force);
        }
    }

    private static AdminCommand assign(List<String> w) {
        if (w.size() < 5) {
            throw syntax(ASSIGN_SYNTAX);
        }
        String written = w.get(2);
        Options o = Options.of(w, 3, ASSIGN_SYNTAX, true);
        return new Run("ASSIGN KEY", ASSIGNED, context -> ControlPlane.run("assign-key", () -> {
            Group g = Group.find(context, o.group(), o.database());
            g.checkShard(o.shard());
            String key = g.normalize(written);
            g.notATenant(context, key);
            if (!o.force()) {
                Optional<String> now = g.placedNow(context, key);
                if (now.isPresent() && !now.get().equals(o.shard())) {
                    List<String> tables = KeyRows.tablesWithRows(context.config(), g.database(), g.tables(), now.get(), key);
                    if (!tables.isEmpty()) {
                        throw new AdminCommandException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "key '" + key
                                + "' of directory group " + g.group() + " has rows on shard " + now.get() + " (in "
                                + String.join(", ", tables) + "), where it is placed now; pgsteer does not move rows, so after "
                                + "this assignment they would no longer be found",
                                "move the rows to " + o.shard() + " yourself, then run ASSIGN KEY '" + key + "' OF " + g.group()
                                        + " IN " + g.database().name() + " TO " + o.shard() + " FORCE");
                    }
                }
            }
            Map<String, String> before = g.store(context).assign(g.database().name(), g.group(), Map.of(key, o.shard()));
            g.routedHere(context);
            return rows(ASSIGNED, "ASSIGN KEY", List.of(List.of(g.database().name(), g.group(), key, o.shard(),
                    String.valueOf(before.get(key) == null ? "(not assigned)" : before.get(key)))));
        }));
    }

    private static AdminCommand bulk(List<String> w) {
        if (w.size() < 4 || !upper(w.get(2)).equals("FROM")) {
            throw syntax(BULK_SYNTAX);
        }
        Path file = Path.of(w.get(3));
        Options o = Options.of(w, 4, BULK_SYNTAX, false);
        return new Run("ASSIGN KEYS", KEYS, context -> ControlPlane.run("assign-keys", () -> {
            Group g = Group.find(context, o.group(), o.database());
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new AdminCommandException(SqlState.UNDEFINED_FILE, "cannot read " + file.toAbsolutePath() + ": "
                        + e.getMessage(), "give the path of a file on the machine pgsteer runs on, one key,shard per line");
            }
            Map<String, String> shardOfKey = g.shardOfKeys(context, lines, file + ":");
            g.store(context).assign(g.database().name(), g.group(), shardOfKey);
            g.routedHere(context);
            Result.Builder result = new Result.Builder(KEYS);
            return new Result(KEYS, result.build().rows(), "ASSIGN " + shardOfKey.size());
        }));
    }

    private static AdminCommand unassign(List<String> w) {
        if (w.size() < 3) {
            throw syntax(UNASSIGN_SYNTAX);
        }
        String written = w.get(2);
        Options o = Options.of(w, 3, UNASSIGN_SYNTAX, false);
        return new Run("UNASSIGN KEY", ASSIGNED, context -> ControlPlane.run("unassign-key", () -> {
            Group g = Group.find(context, o.group(), o.database());
            String key = g.normalize(written);
            g.notATenant(context, key);
            if (!g.store(context).unassign(g.database().name(), g.group(), key)) {
                throw new AdminCommandException(SqlState.UNDEFINED_OBJECT, "key '" + key + "' is not assigned in directory group "
                        + g.group() + " of database " + g.database().name(), "SHOW KEYS OF " + g.group() + " lists the keys");
            }
            g.routedHere(context);
            return rows(ASSIGNED, "UNASSIGN KEY", List.of(List.of(g.database().name(), g.group(), key, "(not assigned)", "")));
        }));
    }

    private static AdminCommand showKeys(List<String> w) {
        Options o = Options.of(w, 2, SHOW_KEYS_SYNTAX, false);
        return new Run("SHOW KEYS", KEYS, context -> ControlPlane.run("show-keys", () -> {
            List<Group> groups = Group.all(context, o.group(), o.database());
            Result.Builder result = new Result.Builder(KEYS);
            int left = SHOW_LIMIT;
            for (Group g : groups) {
                for (KeyDirectoryStore.KeyAssignment k : g.store(context).list(g.database().name(), g.group(), left)) {
                    result.row(k.database(), k.group(), k.key(), k.shard(), k.version());
                    left--;
                }
            }
            return result.build();
        }));
    }

    private static AdminCommand showKey(List<String> w) {
        if (w.size() < 3) {
            throw syntax(SHOW_KEY_SYNTAX);
        }
        String written = w.get(2);
        Options o = Options.of(w, 3, SHOW_KEY_SYNTAX, false);
        return new Run("SHOW KEY", KEY, context -> ControlPlane.run("show-key", () -> {
            Group g = Group.find(context, o.group(), o.database());
            String key = g.normalize(written);
            Optional<String> assigned = g.store(context).lookup(g.database().name(), g.group(), key);
            String shard;
            String by;
            if (assigned.isPresent()) {
                shard = assigned.get();
                by = "directory";
            } else {
                shard = g.byDefault(key).orElse(null);
                by = "unknown key: " + g.function().unknown().describe();
            }
            Result.Builder result = new Result.Builder(KEY);
            result.row(g.database().name(), g.group(), key, shard, by);
            return result.build();
        }));
    }

    private static AdminCommand copy(List<String> w) {
        if (w.size() < 4 || !upper(w.get(w.size() - 2)).equals("FROM") || !upper(w.getLast()).equals("STDIN")) {
            throw syntax(COPY_SYNTAX);
        }
        Options o = Options.of(w.subList(0, w.size() - 2), 2, COPY_SYNTAX, false);
        return new KeyCopy(o.group(), o.database());
    }

    /**
     * {@code COPY KEYS ... FROM STDIN}: the console takes the client's rows ({@link AdminConsole} runs
     * the copy sub-protocol) and then {@link #assign}s them in one change. Run as a plain command (a
     * Parse/Bind/Execute of it), it is refused: COPY is taken in the simple query protocol only.
     */
    record KeyCopy(String group, String database) implements AdminCommand {
        /** Most bytes of rows one COPY may send; the console holds them until CopyDone. */
        static final int MAX_BYTES = 64 * 1024 * 1024;

        @Override
        public String name() {
            return "COPY KEYS";
        }

        @Override
        public String description() {
            return COPY_SYNTAX;
        }

        @Override
        public List<Column> columns() {
            return KEYS;
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            return CompletableFuture.failedFuture(new AdminCommandException(SqlState.FEATURE_NOT_SUPPORTED,
                    "COPY KEYS ... FROM STDIN is taken in the simple query protocol only",
                    "send it as a simple Query, as psql's \\copy and pgjdbc's CopyManager do"));
        }

        /** Assigns the copied rows ({@code data}: COPY text, one key and its shard per line). */
        CompletableFuture<Result> assign(ProxyContext context, byte[] data) {
            return ControlPlane.run("copy-keys", () -> {
                Group g = Group.find(context, group, database);
                List<String> lines = List.of(new String(data, StandardCharsets.UTF_8).split("\r?\n"));
                Map<String, String> shardOfKey = g.shardOfKeys(context, lines.stream().filter(l -> !l.equals("\\.")).toList(),
                        "COPY KEYS, line ");
                g.store(context).assign(g.database().name(), g.group(), shardOfKey);
                g.routedHere(context);
                return Result.noRows("COPY " + shardOfKey.size());
            });
        }
    }

    /** One directory group of one sharded database, as the console's command names it. */
    private record Group(DatabaseConfig database, String group, ShardFunction.Directory function, List<TableConfig.Sharded> tables) {

        static Group find(ProxyContext context, String group, String database) {
            List<Group> found = all(context, group, database);
            if (found.size() > 1) {
                throw new AdminCommandException(SqlState.SYNTAX_ERROR, "several directory groups fit: " + String.join(", ",
                        found.stream().map(g -> g.group() + " IN " + g.database().name()).toList()),
                        "name one with OF group IN database");
            }
            return found.getFirst();
        }

        static List<Group> all(ProxyContext context, String group, String database) {
            List<Group> all = new ArrayList<>();
            for (ShardedDatabase db : context.sharded().values()) {
                DatabaseConfig config = db.config();
                for (String g : DirectoryKeys.groups(config)) {
                    List<TableConfig.Sharded> tables = new ArrayList<>();
                    for (TableConfig t : config.tables().values()) {
                        if (t instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Directory d
                                && d.group().equals(g)) {
                            tables.add(s);
                        }
                    }
                    all.add(new Group(config, g, (ShardFunction.Directory) tables.getFirst().function(), tables));
                }
            }
            List<Group> fit = all.stream().filter(g -> (group == null || g.group().equals(group))
                    && (database == null || g.database().name().equals(database))).toList();
            if (fit.isEmpty()) {
                String known = all.isEmpty() ? "no sharded database has a table with function: directory"
                        : "directory groups: " + String.join(", ", all.stream().map(g -> g.group() + " IN " + g.database().name()).toList());
                throw new AdminCommandException(SqlState.UNDEFINED_OBJECT, "no directory group" + (group == null ? "" : " " + group)
                        + (database == null ? "" : " in database " + database) + "; " + known,
                        "give a table function: directory (and group:) in the file, or name one of the groups");
            }
            return fit;
        }

        /** Lines of {@code key,shard} or {@code key<TAB>shard} (blank ones and {@code #} comments skipped), checked. */
        Map<String, String> shardOfKeys(ProxyContext context, List<String> lines, String where) {
            Map<String, String> shardOfKey = new LinkedHashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int cut = Math.max(line.lastIndexOf(','), line.lastIndexOf('\t'));
                if (cut <= 0 || cut == line.length() - 1) {
                    throw new AdminCommandException(SqlState.SYNTAX_ERROR, where + (i + 1) + ": '" + line
                            + "' is not key,shard", "write one key and its shard per line, like acme,s1");
                }
                String shard = line.substring(cut + 1).strip();
                checkShard(shard, where + (i + 1) + ": ");
                String key = normalize(unquote(line.substring(0, cut).strip()));
                notATenant(context, key);
                shardOfKey.put(key, shard);
            }
            return shardOfKey;
        }

        /**
         * Waits (a second at most) until this instance routes by the change just made: the console's
         * next statement, or the client's, sees it. Other instances follow within tens of milliseconds.
         */
        void routedHere(ProxyContext context) {
            ShardedDatabase db = context.sharded().get(database.name());
            DirectoryKeys directory = db == null ? null : db.directory();
            if (directory != null) {
                directory.awaitVersion(store(context).version(), Duration.ofSeconds(1));
            }
        }

        KeyDirectoryStore store(ProxyContext context) {
            return context.tenants().store().keys();
        }

        void checkShard(String shard) {
            checkShard(shard, "");
        }

        void checkShard(String shard, String where) {
            if (!database.shards().contains(shard)) {
                throw new AdminCommandException(SqlState.UNDEFINED_OBJECT, where + "database " + database.name()
                        + " has no shard " + shard, "use one of " + String.join(", ", database.shards()));
            }
        }

        /**
         * A tenant's id in the group its database's tenancy places tenants by belongs to the tenant: its
         * shard is the tenant's (CREATE TENANT ... ON shard), and a tenant does not move by ASSIGN KEY.
         */
        void notATenant(ProxyContext context, String key) {
            var moves = context.moves();
            if (moves != null) {
                // A key MOVE KEY moves is the move's until it ends: its rows are on two shards, and the move flips it.
                moves.moving(database.name(), key).ifPresent(m -> {
                    throw new AdminCommandException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "key '" + key + "' of directory group "
                            + group + " is moving from " + m.source() + " to " + m.target() + " (move " + m.id() + ", " + m.phase() + ")",
                            "wait for SHOW MOVES to say done, or CANCEL MOVE " + m.id());
                });
            }
            if (database.tenancy() != null && group.equals(database.tenancy().directory())
                    && context.tenants().find(key).filter(t -> t.database().equals(database.name())).isPresent()) {
                throw new AdminCommandException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "key '" + key + "' of directory group "
                        + group + " is tenant " + key + " of database " + database.name() + ", placed by CREATE TENANT",
                        "MOVE TENANT " + key + " TO <shard> moves the tenant with its rows and its sessions");
            }
        }

        /** The key as routing compares it: in the group's key type when known, else as routing guesses it. */
        String normalize(String written) {
            TableConfig.Sharded table = tables.getFirst();
            try {
                return KeyValue.ofText(ShardChooser.keyTypeOf(table, written), written).text();
            } catch (IllegalArgumentException e) {
                throw new AdminCommandException(SqlState.INVALID_TEXT_REPRESENTATION, "key '" + written + "' of directory group "
                        + group + ": " + e.getMessage(), "write a value of the key's type");
            }
        }

        /**
         * Where {@code key} is placed now: its assignment in the store, else the table's default for
         * unknown keys (empty when that is to refuse). Read from the store, not this instance's cache,
         * which may not have heard of a change made a moment ago.
         */
        Optional<String> placedNow(ProxyContext context, String key) {
            Optional<String> assigned = store(context).lookup(database.name(), group, key);
            return assigned.isPresent() ? assigned : byDefault(key);
        }

        /** Where the table's {@code unknown:} puts {@code key}; empty when it refuses unknown keys. */
        Optional<String> byDefault(String key) {
            TableConfig.Sharded table = tables.getFirst();
            // A directory that holds no key: the table's default decides.
            ShardedTable unknown = new ShardedTable(table, database.shards(), KeyCaches.standalone(database.name()));
            try {
                return Optional.of(unknown.shardOf(KeyValue.ofText(ShardChooser.keyTypeOf(table, key), key)));
            } catch (UnmatchedKeyException refused) {
                return Optional.empty();
            }
        }
    }

    private static String unquote(String key) {
        if (key.length() >= 2 && (key.startsWith("'") && key.endsWith("'") || key.startsWith("\"") && key.endsWith("\""))) {
            return key.substring(1, key.length() - 1);
        }
        return key;
    }

    private static Result rows(List<Column> columns, String tag, List<List<String>> rows) {
        Result.Builder result = new Result.Builder(columns);
        rows.forEach(r -> result.row(r.toArray()));
        return new Result(columns, result.build().rows(), tag);
    }

    private static AdminCommandException syntax(String syntax) {
        return new AdminCommandException(SqlState.SYNTAX_ERROR, "syntax error in key command", "write " + syntax);
    }

    private static String upper(String word) {
        return word.toUpperCase(Locale.ROOT);
    }

    /** A key command with its arguments bound. */
    private record Run(String name, List<Column> columns, Function<ProxyContext, CompletableFuture<Result>> body)
            implements AdminCommand {
        @Override
        public String description() {
            return name;
        }

        @Override
        public CompletableFuture<Result> run(ProxyContext context) {
            return body.apply(context);
        }
    }

    /** A line of SHOW HELP. */
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
