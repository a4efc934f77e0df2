package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.coordinator.ApartFrames;
import dev.pgsteer.proxy.sharding.coordinator.CarriedSettings;
import dev.pgsteer.proxy.sharding.coordinator.CoordinatorSql;
import dev.pgsteer.proxy.sharding.coordinator.FinalStep;
import dev.pgsteer.proxy.sharding.coordinator.GatherPull;
import dev.pgsteer.proxy.sharding.coordinator.HiddenRows;
import dev.pgsteer.proxy.sharding.coordinator.GroupedSources;
import dev.pgsteer.proxy.sharding.coordinator.KeyLists;
import dev.pgsteer.proxy.sharding.coordinator.LocalFill;
import dev.pgsteer.proxy.sharding.coordinator.OpenSteps;
import dev.pgsteer.proxy.sharding.coordinator.PlainQuery;
import dev.pgsteer.proxy.sharding.coordinator.PullBudget;
import dev.pgsteer.proxy.sharding.coordinator.PullFailed;
import dev.pgsteer.proxy.sharding.coordinator.PullParameters;
import dev.pgsteer.proxy.sharding.coordinator.PullStatements;
import dev.pgsteer.proxy.sharding.coordinator.QualifiedNames;
import dev.pgsteer.proxy.sharding.coordinator.SelectWords;
import dev.pgsteer.proxy.sharding.coordinator.TemporaryIndexes;
import dev.pgsteer.proxy.sharding.copy.CopyOutRows;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.Futures;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.JoinScope;
import dev.pgsteer.router.plan.PulledLocal;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One coordinated statement, from the names of its tables to the end of the coordinator's
 * transaction. Two ways, as the session stands:
 *
 * <ul>
 *   <li><b>outside a transaction block</b>, the coordinator is the session's own connection to the
 *       default shard: its own rows are copied locally (INSERT ... SELECT), the other shards' pulled;
 *   <li><b>inside one</b> (explicit, or pgsteer's implicit one of a multi-statement Query), the
 *       coordinator is a connection {@code apart}, never in the session's transaction (a transaction
 *       that touched temporary tables cannot PREPARE TRANSACTION, not even after ROLLBACK TO
 *       SAVEPOINT), with the session's settings as its own connection has them; every row, the
 *       default shard's too, and the rows of every other table the statement reads (unsharded,
 *       reference: the transaction may have written them) are pulled over the session's own
 *       connections, in its transaction: the statement sees its uncommitted writes and its snapshot.
 * </ul>
 *
 * <pre>
 * names ─► [settings, in a transaction] ─► create ─► pull, one table after the other, each from every shard at once
 *       ─► [key values read, then the tables that receive them pulled: KeyLists] ─► answer ─► ROLLBACK
 *     \________ any failure: the client hears why, then ROLLBACK ________/
 * </pre>
 *
 * A failure fails the statement as PostgreSQL's would ({@link ClientReplies#failed}): an explicit
 * transaction is aborted until ROLLBACK, an implicit one rolls back. A client that leaves has the
 * connections of the request in flight closed by its relay ({@link FanOut#hold} registers them all).
 */
final class CoordinatorStep {
    /**
     * Who takes the coordinator apart when its transaction must outlive the statement: a SQL cursor
     * declared there, or a portal run with a row limit, which the client may go on with. Its
     * temporary tables stay with it.
     */
    interface Keep {
        Keep NEVER = coordinator -> false;

        /** Whether the coordinator is taken (not rolled back now). */
        boolean take(ShardLink coordinator);
    }

    /** What the step ends with once every row is in. */
    sealed interface Finish {
        /**
         * The client's statement runs on the coordinator and its answer passes through (or, for a
         * {@link FinalStep.Capture}, its rows go to pgsteer); {@code keep} may take the coordinator.
         */
        record Answer(FinalStep last, Keep keep) implements Finish {
        }

        /**
         * pgsteer's own statements run on the coordinator ({@code compute} with {@code sql}, the
         * client's statement over the copies, which marks what to write); the sharded table
         * {@code target} is pulled locked, with each row's shard and ctid ({@link PullStatements#lockedTarget});
         * the other tables' conditions may hold the client's {@code parameters} (null: none).
         */
        record Write(String target, PullParameters parameters, String sql, BiFunction<ShardLink, String, Future<Void>> compute)
                implements Finish {
        }

        /** The text that runs over the copies; null for a step that sends none (a portal already bound there). */
        default String sql() {
            return switch (this) {
                case Answer answer -> answer.last().sql();
                case Write write -> write.sql();
            };
        }

        /** The same finish with another text ({@link QualifiedNames}: schema.t read as pg_temp.t). */
        default Finish withSql(String sql) {
            return switch (this) {
                case Answer answer -> new Answer(answer.last().withSql(sql), answer.keep());
                case Write write -> new Write(write.target(), write.parameters(), sql, write.compute());
            };
        }

        /** The client's parameters, which pushed conditions may bind; null when there are none. */
        default PullParameters parameters() {
            return switch (this) {
                case Answer answer -> answer.last().parameters();
                case Write write -> write.parameters();
            };
        }
    }

    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    private final BackendListener owner;
    private final ShardSettings settings;
    private final String statement;
    /**
     * What runs on the coordinator at the end (the client's statement: a Query, or its
     * Parse/Bind/Describe/Execute; or pgsteer's own for a write); its text with {@code schema.t} read
     * as {@code pg_temp.t} once the tables' schemas are known.
     */
    private Finish finish;
    /** The statement's bound on rows pulled. */
    private final PullBudget budget;
    /** The transaction's SET LOCAL statements: the custom settings they name are carried too. */
    private final List<String> localSettings;
    private final Command.Coordinate command;
    private final List<ShardLink> links;
    /** The session's own connection to the coordinator's shard: it reads names, settings, and (in a transaction) the other tables. */
    private final ShardLink own;
    /** Where the statement runs: {@link #own} outside a transaction block, a connection apart inside one. */
    private final ShardLink coordinator;
    private final boolean apart;
    /** Whether the session's links are in its transaction (then the other tables it reads are pulled as it sees them). */
    private final boolean inTransaction;
    private final Runnable next;
    /** This step as SHOW COORDINATORS lists it, until it ends. */
    private final OpenSteps.Step open;
    /** Rows shards hold without owning them (a moving bucket's copies): each shard's pull leaves its own out. */
    private final HiddenRows hidden;
    /**
     * What runs on the coordinator once every row is in ({@link TemporaryIndexes}): the tables' ANALYZE
     * statements, and their indexes (when the statement has a subquery; for a plain query, only if its
     * plan would use them).
     */
    private final List<String> analyses = new ArrayList<>();
    private final List<String> indexes = new ArrayList<>();
    /** The tables' rows of the catalog query ({@link CoordinatorSql#qualifiedNames}), in order. */
    private List<List<String>> catalog = List.of();
    /** The tables pulled in a second round, for the key values of others ({@link KeyLists}). */
    private List<KeyLists.KeyList> keys = List.of();
    /** The EXISTS each receiving table's pull holds, by table index ({@link KeyLists#semiJoins}), on sources pulled first. */
    private Map<Integer, List<String>> semiJoins = Map.of();
    /** The semi-joins on tables that receive key lists: written once their key values are read. */
    private List<KeyLists.SemiJoin> late = List.of();
    /** For tables named more than once: their occurrences that equal each other on a column ({@link KeyLists#sameColumns}). */
    private List<KeyLists.SameColumn> same = List.of();
    /** How many times each table is named, by table index (1 when absent). */
    private Map<Integer, Integer> occurrences = Map.of();
    /** The first round's semi-joins of tables named more than once, as conditions of their occurrences. */
    private List<KeyLists.OccurrenceCondition> repeated = List.of();
    /** The tables pulled after the first round: key-list receivers, and the tables of {@link #late}. */
    private Set<Integer> later = Set.of();
    /** The round each sharded table is pulled in ({@link KeyLists#rounds}). */
    private Map<Integer, Integer> rounds = Map.of();
    /** The pulled tables and local key sources as {@link KeyLists} plans from them. */
    private List<KeyLists.Table> described = List.of();
    /** The key conditions of the receivers pulled so far, by table index (a late semi-join's EXISTS holds its source's). */
    private final Map<Integer, List<String>> keyConditions = new HashMap<>();
    /** The grouped IN subqueries each shard answers (outside a transaction block), as local key sources. */
    private final List<GroupedSources.Source> grouped = new ArrayList<>();
    /** The conditions of the occurrences of tables named more than once, gathered round by round. */
    private final List<KeyLists.OccurrenceCondition> ofRepeated = new ArrayList<>();

    CoordinatorStep(FanOut fanOut, ClientReplies replies, EventLoop loop, BackendListener owner, ShardSettings settings,
                    String statement, Finish finish, PullBudget budget, List<String> localSettings, Command.Coordinate command,
                    List<ShardLink> links, ShardLink apartLink, boolean inTransaction, OpenSteps.Step open,
                    HiddenRows hidden, Runnable next) {
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
        this.settings = settings;
        this.statement = statement;
        this.finish = finish;
        this.budget = budget;
        this.localSettings = List.copyOf(localSettings);
        this.command = command;
        this.links = links;
        this.own = links.stream().filter(l -> l.shard().equals(command.coordinatorShard())).findFirst().orElseThrow();
        this.apart = apartLink != null;
        this.coordinator = apart ? apartLink : own;
        this.inTransaction = inTransaction;
        this.open = open;
        this.hidden = hidden;
        this.next = next;
    }

    /** One table's rows from {@code sources} at once ({@link GatherPull}), or the coordinator's own ({@link LocalFill}). */
    private record Pull(List<ShardLink> sources, String qualified, PullStatements statements) {
    }

    void start() {
        List<ShardLink> involved = new ArrayList<>(links);
        if (apart) {
            involved.add(coordinator);
            coordinator.connection().attach(new ApartFrames(coordinator, fanOut, replies.channel(), loop));
        }
        // In flight for the relay while rows are pulled: a cancel reaches every shard, and a client
        // that leaves has every connection closed (which aborts the COPYs and drops the temporary tables).
        fanOut.hold(involved);
        List<String> shadowed = Stream.concat(command.tables().stream().map(TableConfig.Sharded::name),
                inTransaction ? command.alsoReads().stream() : Stream.empty()).toList();
        // Outside a transaction block the local key sources' columns are read too (they are not shadowed).
        List<String> names = Stream.concat(shadowed.stream(), inTransaction ? Stream.empty()
                : command.locals().stream().map(PulledLocal::table).filter(t -> !shadowed.contains(t)).distinct()).toList();
        Future<List<List<String>>> found = own.connection().queryInternal(CoordinatorSql.qualifiedNames(names), loop, ownStatus());
        found.addListener(n -> {
            if (gone()) {
                return;
            }
            if (!found.isSuccess()) {
                fail(found.cause());
                return;
            }
            List<List<String>> all = found.getNow();
            List<String> present = all.stream().map(r -> r.get(2)).toList();
            // The shadowed tables come first (in order): a local key source the catalog lacks is only no source.
            List<List<String>> rows = all.subList(0, Math.min(shadowed.size(), all.size()));
            if (!present.containsAll(shadowed)) {
                String missing = shadowed.stream().filter(name -> !present.contains(name)).findFirst().orElse("?");
                fail(new StepRefused(SqlState.UNDEFINED_TABLE, "relation \"" + missing + "\" does not exist"
                        + (apart ? "" : " on the coordinator " + command.coordinatorShard())));
                return;
            }
            if (!readShadowed(rows)) {
                return;
            }
            List<String> qualified = rows.stream().map(r -> r.get(0)).toList();
            catalog = rows;
            List<PullStatements> tables = new ArrayList<>();
            described = described(rows, all);
            int target = targetIndex();
            // A write's target is pulled whole and locked (lockedTarget), never narrowed by other tables' rows.
            keys = KeyLists.plan(command.joins(), described).stream().filter(k -> k.receiver() != target)
                    .toList();
            List<KeyLists.SemiJoin> semi = KeyLists.semiJoins(command.joins(), described, keys).stream()
                    .filter(j -> j.receiver() != target).toList();
            // A semi-join on a receiver's key values waits for them: its table is pulled in that receiver's round.
            late = semi.stream().filter(KeyLists.SemiJoin::late).toList();
            rounds = KeyLists.rounds(keys, late, described);
            if (rounds == null) {
                late = List.of();
                rounds = KeyLists.rounds(keys, late, described);
            }
            later = new LinkedHashSet<>();
            rounds.forEach((table, round) -> {
                if (round > 1) {
                    later.add(table);
                }
            });
            List<KeyLists.SemiJoin> early = semi.stream().filter(j -> !j.late()).toList();
            semiJoins = semiJoins(early.stream().filter(j -> j.occurrences() == 1).toList(), Map.of());
            // A table named more than once: the union of its occurrences' conditions, in the first round when no list waits.
            same = KeyLists.sameColumns(command.joins(), described);
            occurrences = KeyLists.occurrences(command.joins(), described);
            repeated = repeated(early, Map.of());
            ofRepeated.addAll(repeated);
            KeyLists.unions(repeated, same, occurrences).forEach((table, union) -> {
                if (!later.contains(table)) {
                    semiJoins.put(table, List.of(union));
                }
            });
            boolean nested = SelectWords.count(statement) > 1;
            for (int i = 0; i < rows.size(); i++) {
                List<String> row = rows.get(i);
                List<String> columns = PullStatements.columns(row.get(3));
                List<String> pulled = i < command.tables().size() && i != target
                        ? PullStatements.pulledColumns(command.pulls().get(i), columns) : columns;
                analyses.addAll(TemporaryIndexes.analyze(row.get(1), pulled, row.get(8)));
                String made = TemporaryIndexes.indexes(row.get(1), row.get(4), pulled);
                if (nested && !made.isEmpty()) {
                    indexes.add(made);
                }
                // The sharded tables as narrowly as the router allows (a write's target whole, locked); the
                // others (inside a transaction) whole.
                int index = i;
                tables.add(i == target
                        ? byShard(i, hide -> PullStatements.lockedTarget(command.pulls().get(index), row.get(0), row.get(1), columns, hide))
                        : i < command.tables().size()
                        ? byShard(i, hide -> PullStatements.of(command.pulls().get(index), row.get(0), row.get(1), columns,
                                finish.parameters(), concat(semiJoins.getOrDefault(index, List.of()), hide)))
                        : PullStatements.whole(row.get(0), row.get(1)));
            }
            Runnable proceed = () -> {
                if (apart) {
                    withSettings(qualified, tables);
                } else {
                    create(CoordinatorSql.createAndFillLocally(tables.stream().map(t -> t.forShard(coordinator.shard())).toList(),
                            later, tempBuffers()), qualified, tables);
                }
            };
            gatherGrouped(0, proceed);
        });
    }

    /**
     * The values of each grouped IN subquery ({@link GroupedSources}), asked of every shard at once
     * before anything is created (the coordinator's own connection would read its temporary copies
     * after), then {@code then}; a shard that fails or passes the bound leaves that source without a
     * list (its key query reads NULL).
     */
    private void gatherGrouped(int at, Runnable then) {
        if (at >= grouped.size()) {
            then.run();
            return;
        }
        GroupedSources.Source source = grouped.get(at);
        List<Future<List<List<String>>>> answers = links.stream()
                .map(link -> link.connection().queryInternal(source.shardQuery(), loop, ownStatus())).toList();
        Futures.whenAll(answers, loop).addListener(all -> {
            if (gone()) {
                return;
            }
            List<String> arrays = new ArrayList<>();
            for (Future<List<List<String>>> answer : answers) {
                arrays.add(answer.isSuccess() && !answer.getNow().isEmpty() ? answer.getNow().getFirst().getFirst() : null);
            }
            described.set(source.table(), source.withValues(GroupedSources.union(arrays)));
            gatherGrouped(at + 1, then);
        });
    }

    /**
     * Sharded table {@code i}'s pull statements, made by {@code pull} from pgsteer's own extra conditions:
     * none for most shards, the shard's {@link HiddenRows} for a shard that holds rows it does not own.
     */
    private PullStatements byShard(int i, Function<List<String>, PullStatements> pull) {
        PullStatements all = pull.apply(List.of());
        Map<String, PullStatements> own = new HashMap<>();
        for (ShardLink link : links) {
            List<String> conditions = hidden.on(command.tables().get(i).name(), link.shard());
            if (!conditions.isEmpty()) {
                own.put(link.shard(), pull.apply(conditions));
            }
        }
        return own.isEmpty() ? all : all.withShards(own);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<String> both = new ArrayList<>(a);
        both.addAll(b);
        return both;
    }

    /** The index of a write's target among the sharded tables; -1 when the step answers the client's statement. */
    private int targetIndex() {
        if (finish instanceof Finish.Write write) {
            for (int i = 0; i < command.tables().size(); i++) {
                if (command.tables().get(i).name().equals(write.target())) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Each receiving table's EXISTS conditions ({@link KeyLists#semiJoins}), by table index; a source's
     * key conditions ({@code keyConditions}, by its index) hold inside its EXISTS too.
     */
    private Map<Integer, List<String>> semiJoins(List<KeyLists.SemiJoin> joins, Map<Integer, List<String>> keyConditions) {
        Map<Integer, List<String>> out = new HashMap<>();
        for (KeyLists.SemiJoin join : joins) {
            out.computeIfAbsent(join.receiver(), k -> new ArrayList<>()).add(exists(join, keyConditions));
        }
        return out;
    }

    private String exists(KeyLists.SemiJoin join, Map<Integer, List<String>> keyConditions) {
        List<String> receiver = catalog.get(join.receiver());
        List<String> source = catalog.get(join.source());
        return PullStatements.exists(command.pulls().get(join.receiver()), receiver.get(1), join.column(),
                command.pulls().get(join.source()), source.get(0), PullStatements.columns(source.get(3)), join.sourceAlias(),
                join.sourceColumn(), keyConditions.getOrDefault(join.source(), List.of()));
    }

    /** The semi-joins of tables named more than once, as their occurrences' conditions ({@link KeyLists#unions}). */
    private List<KeyLists.OccurrenceCondition> repeated(List<KeyLists.SemiJoin> joins, Map<Integer, List<String>> keyConditions) {
        return joins.stream().filter(j -> j.occurrences() > 1)
                .map(j -> new KeyLists.OccurrenceCondition(j.receiver(), j.occurrence(), j.column(), exists(j, keyConditions)))
                .toList();
    }

    /**
     * The sharded tables as {@link KeyLists} plans from them: columns, their types, size, own conditions;
     * then the local key sources ({@code all}: every catalog row read), each occurrence under its
     * {@link JoinScope#LOCAL} name. Inside a transaction block a local source is read from its
     * temporary copy (pulled over the session's connection: what its transaction sees), and only
     * when it is one.
     */
    private List<KeyLists.Table> described(List<List<String>> rows, List<List<String>> all) {
        List<KeyLists.Table> described = new ArrayList<>();
        for (int i = 0; i < command.tables().size(); i++) {
            List<String> row = rows.get(i);
            List<String> columns = PullStatements.columns(row.get(3));
            List<String> types = row.get(5) == null ? List.of() : List.of(row.get(5).split(","));
            double estimate = row.get(6) == null ? -1 : Double.parseDouble(row.get(6));
            TableConfig.Sharded table = command.tables().get(i);
            described.add(new KeyLists.Table(table.name(), columns, types, estimate,
                    PullStatements.pushesConditions(command.pulls().get(i), columns, finish.parameters()), table.key(),
                    Arrays.asList(table.function(), table.keyType())));
        }
        for (int k = 0; k < command.locals().size(); k++) {
            PulledLocal local = command.locals().get(k);
            if (local.grouped() != null) {
                GroupedSources.Source source = inTransaction ? null
                        : GroupedSources.of(k, local, command.tables(), rows, described.size());
                if (source != null) {
                    grouped.add(source);
                    described.add(source.unread());
                }
                continue;
            }
            List<String> row = all.stream().filter(r -> r.get(2).equals(local.table())).findFirst().orElse(null);
            if (row == null || inTransaction && !command.alsoReads().contains(local.table())) {
                // Not described: its columns unknown, a bare name may be its own, so none is resolved past it.
                continue;
            }
            List<String> columns = PullStatements.columns(row.get(3));
            List<String> types = row.get(5) == null ? List.of() : List.of(row.get(5).split(","));
            double estimate = row.get(6) == null ? -1 : Double.parseDouble(row.get(6));
            List<String> conditions = PullStatements.conditions(local.filters(), columns);
            described.add(new KeyLists.Table(JoinScope.LOCAL + k, columns, types, estimate, !conditions.isEmpty(), null, null,
                    new KeyLists.Local(inTransaction ? "pg_temp." + row.get(1) : row.get(0), local.alias(), conditions)));
        }
        return described;
    }

    /**
     * The statement's text with each shadowed table named with its schema read as {@code pg_temp.t}
     * ({@link QualifiedNames}); false, with the statement failed, where that cannot be exact. Shadowed:
     * the sharded tables, and inside a transaction block the other tables it reads.
     */
    private boolean readShadowed(List<List<String>> rows) {
        String sql = finish.sql();
        if (sql == null) {
            return true;
        }
        Map<String, String> schemaOf = new HashMap<>();
        rows.forEach(row -> schemaOf.put(row.get(2), row.get(7)));
        return switch (QualifiedNames.rewrite(sql, schemaOf)) {
            case QualifiedNames.Rewritten rewritten -> {
                if (!rewritten.sql().equals(sql)) {
                    finish = finish.withSql(rewritten.sql());
                }
                yield true;
            }
            case QualifiedNames.Refused refused -> {
                fail(new StepRefused(SqlState.FEATURE_NOT_SUPPORTED, refused.reason()));
                yield false;
            }
        };
    }

    /** Whether the coordinator may raise its temporary buffers ({@link CoordinatorSql#qualifiedNames}: PL/pgSQL usable). */
    /** The temp_buffers to raise the coordinator's connection to (MB), where PL/pgSQL can; 0: none. */
    private int tempBuffers() {
        return !catalog.isEmpty() && "true".equals(catalog.getFirst().get(9)) ? budget.tempBuffersMb() : 0;
    }

    /** The session's connections are in its transaction, or out of any. */
    private TransactionStatus ownStatus() {
        return inTransaction ? TransactionStatus.IN_TRANSACTION : TransactionStatus.IDLE;
    }

    /** Reads the settings on both sides; the coordinator's transaction takes the session's where they differ. */
    private void withSettings(List<String> qualified, List<PullStatements> tables) {
        open.phase(OpenSteps.Phase.SETTINGS);
        Set<String> named = new LinkedHashSet<>(settings.named());
        List<String> texts = new ArrayList<>(localSettings);
        texts.add(statement);
        named.addAll(CoordinatorSql.customSettingNames(texts));
        String read = CoordinatorSql.settings(named);
        Future<List<List<String>>> session = own.connection().queryInternal(read, loop, ownStatus());
        Future<List<List<String>>> there = coordinator.connection().queryInternal(read, loop, TransactionStatus.IDLE);
        Futures.whenAll(List.of(session, there), loop).addListener(both -> {
            if (gone()) {
                return;
            }
            if (!session.isSuccess() || !there.isSuccess()) {
                fail(session.isSuccess() ? there.cause() : session.cause());
                return;
            }
            String set = CoordinatorSql.setLocally(CarriedSettings.differing(session.getNow(), there.getNow()));
            create(CoordinatorSql.createEmpty(set, tables, tempBuffers()), qualified, tables);
        });
    }

    private void create(String sql, List<String> qualified, List<PullStatements> tables) {
        open.phase(OpenSteps.Phase.CREATING);
        Future<Void> created = coordinator.connection().runInternal(sql, loop, TransactionStatus.IN_TRANSACTION);
        created.addListener(c -> {
            if (gone()) {
                return;
            }
            if (!created.isSuccess()) {
                fail(created.cause());
                return;
            }
            int sharded = command.tables().size();
            List<Pull> pulls = new ArrayList<>();
            for (int i = 0; i < sharded; i++) {
                if (!later.contains(i)) {
                    pullsOf(qualified.get(i), tables.get(i), pulls);
                }
            }
            // Inside a transaction block, the other tables as the transaction sees them (they live on the coordinator's shard).
            for (int i = sharded; i < qualified.size(); i++) {
                pulls.add(new Pull(List.of(own), qualified.get(i), tables.get(i)));
            }
            pull(pulls, 0, later.isEmpty() ? this::prepareThenAnswer : () -> withKeys(qualified, 2));
        });
    }

    /**
     * Round {@code round} ({@link KeyLists#rounds}): the key values of the tables pulled before it (and
     * of local sources), read on the coordinator, narrow the pulls of the tables of this round; their
     * coordinator shard's own rows are copied locally (outside a transaction block), the other shards'
     * pulled; then the next round, or the answer.
     */
    private void withKeys(List<String> qualified, int round) {
        open.phase(OpenSteps.Phase.KEYS);
        List<Integer> tables = later.stream().filter(i -> rounds.get(i) == round).toList();
        List<KeyLists.KeyList> now = keys.stream().filter(k -> rounds.getOrDefault(k.receiver(), 0) == round).toList();
        List<String> temporary = catalog.stream().map(r -> r.get(1)).toList();
        Future<List<List<String>>> read = now.isEmpty() ? loop.newSucceededFuture(List.of(List.of()))
                : coordinator.connection().queryInternal(KeyLists.query(now, temporary, described, keys), loop,
                TransactionStatus.IN_TRANSACTION);
        read.addListener(r -> {
            if (gone()) {
                return;
            }
            if (!read.isSuccess()) {
                fail(read.cause());
                return;
            }
            Map<Integer, List<String>> conditions = KeyLists.conditions(now, read.getNow().getFirst());
            keyConditions.putAll(conditions);
            List<KeyLists.SemiJoin> lateNow = late.stream().filter(j -> rounds.get(j.receiver()) == round).toList();
            Map<Integer, List<String>> lateJoins = semiJoins(lateNow.stream().filter(j -> j.occurrences() == 1).toList(),
                    keyConditions);
            ofRepeated.addAll(KeyLists.occurrenceConditions(now, read.getNow().getFirst()));
            ofRepeated.addAll(repeated(lateNow, keyConditions));
            // An occurrence equal to another on the shard key takes the other's key lists as a co-located EXISTS (Q21).
            ofRepeated.addAll(KeyLists.sameKey(ofRepeated, same, described, (t, carried) -> PullStatements.sameKeyExists(
                    command.pulls().get(t), catalog.get(t).get(1), catalog.get(t).get(0), described.get(t).key(), carried)));
            Map<Integer, String> unions = KeyLists.unions(ofRepeated, same, occurrences);
            List<Pull> pulls = new ArrayList<>();
            List<String> locally = new ArrayList<>();
            for (int i : tables) {
                List<String> row = catalog.get(i);
                List<String> extra = new ArrayList<>(semiJoins.getOrDefault(i, List.of()));
                if (occurrences.getOrDefault(i, 1) > 1) {
                    // Named more than once: the union of what its occurrences need, or every row.
                    extra.addAll(unions.containsKey(i) ? List.of(unions.get(i)) : List.of());
                } else {
                    extra.addAll(lateJoins.getOrDefault(i, List.of()));
                    extra.addAll(conditions.getOrDefault(i, List.of()));
                }
                PullStatements table = byShard(i, hide -> PullStatements.of(command.pulls().get(i), row.get(0), row.get(1),
                        PullStatements.columns(row.get(3)), finish.parameters(), concat(extra, hide)));
                pullsOf(qualified.get(i), table, pulls);
                if (links.contains(coordinator) && table.withParameters() == null) {
                    locally.add(table.forShard(coordinator.shard()).fillLocally());
                }
            }
            boolean last = later.stream().noneMatch(i -> rounds.get(i) > round);
            Runnable then = last ? this::prepareThenAnswer : () -> withKeys(qualified, round + 1);
            if (locally.isEmpty()) {
                pull(pulls, 0, then);
                return;
            }
            Future<Void> filled = coordinator.connection().runInternal(String.join("; ", locally), loop,
                    TransactionStatus.IN_TRANSACTION);
            filled.addListener(f -> {
                if (gone()) {
                    return;
                }
                if (!filled.isSuccess()) {
                    fail(filled.cause());
                    return;
                }
                pull(pulls, 0, then);
            });
        });
    }

    /**
     * A table's pulls: every shard's rows but the coordinator's own at once; those too when the table's
     * conditions hold the client's parameters (outside a transaction block they are otherwise copied
     * locally with the create).
     */
    private void pullsOf(String qualified, PullStatements table, List<Pull> pulls) {
        if (links.contains(coordinator) && table.withParameters() != null) {
            pulls.add(new Pull(List.of(coordinator), qualified, table));
        }
        List<ShardLink> others = links.stream().filter(link -> link != coordinator).toList();
        if (!others.isEmpty()) {
            pulls.add(new Pull(others, qualified, table));
        }
    }

    /** Pulls one table after the other (a COPY FROM takes one table), each from its shards at once, then {@code then}. */
    private void pull(List<Pull> pulls, int index, Runnable then) {
        if (index == pulls.size()) {
            then.run();
            return;
        }
        Pull pull = pulls.get(index);
        open.phase(OpenSteps.Phase.PULLING, pull.qualified() + " from "
                + String.join(", ", pull.sources().stream().map(ShardLink::shard).toList()));
        Future<Void> pulled = pull.sources().equals(List.of(coordinator))
                ? LocalFill.run(coordinator.connection(), pull.statements().forShard(coordinator.shard()).withParameters(), loop)
                : GatherPull.run(pull.sources(), pull.qualified(), pull.statements(), coordinator.connection(), loop, budget);
        pulled.addListener(p -> {
            if (gone()) {
                return;
            }
            pull.sources().forEach(source -> source.connection().attach(owner));
            if (!pulled.isSuccess()) {
                fail(pulled.cause());
                return;
            }
            pull(pulls, index + 1, then);
        });
    }

    /** Statistics and indexes for the filled tables, the transaction made read-only, then the client's statement. */
    private void prepareThenAnswer() {
        open.phase(OpenSteps.Phase.PREPARING);
        if (!indexes.isEmpty() && finish instanceof Finish.Answer answer && answer.last() instanceof FinalStep.SimpleQuery query
                && PlainQuery.is(query.sql())) {
            analyzeThenPlan(query.sql());
            return;
        }
        List<String> all = new ArrayList<>(indexes);
        all.addAll(analyses);
        prepared(CoordinatorSql.beforeStatement(all));
    }

    /**
     * Statistics first, then PostgreSQL's plan of the client's query over the pulled rows decides the
     * indexes ({@link TemporaryIndexes#gainsFromIndexes}). The EXPLAIN runs under a savepoint: if it
     * fails, the statement will fail the same way itself, with its own message and position; the
     * indexes are then made as before.
     */
    private void analyzeThenPlan(String sql) {
        Future<List<List<String>>> planned = coordinator.connection().queryInternal(String.join("; ", analyses)
                + "; SAVEPOINT pgsteer_plan; EXPLAIN " + sql, loop, TransactionStatus.IN_TRANSACTION);
        planned.addListener(p -> {
            if (gone()) {
                return;
            }
            if (!planned.isSuccess()) {
                // The ANALYZE or the EXPLAIN failed (the transaction is aborted): back to before the plan.
                Future<Void> back = coordinator.connection().runInternal("ROLLBACK TO SAVEPOINT pgsteer_plan", loop,
                        TransactionStatus.IN_TRANSACTION);
                back.addListener(b -> {
                    if (gone()) {
                        return;
                    }
                    if (!back.isSuccess()) {
                        fail(planned.cause());
                        return;
                    }
                    prepared(CoordinatorSql.beforeStatement(indexes));
                });
                return;
            }
            List<String> lines = planned.getNow().stream().map(row -> row.isEmpty() ? "" : row.getFirst()).toList();
            List<String> then = new ArrayList<>(List.of("RELEASE SAVEPOINT pgsteer_plan"));
            if (TemporaryIndexes.gainsFromIndexes(lines)) {
                then.addAll(indexes);
            }
            prepared(CoordinatorSql.beforeStatement(then));
        });
    }

    /** Runs {@code sql} (the preparation, ending with the transaction made read-only), then the statement's last step. */
    private void prepared(String sql) {
        Future<Void> prepared = coordinator.connection().runInternal(sql, loop, TransactionStatus.IN_TRANSACTION);
        prepared.addListener(p -> {
            if (gone()) {
                return;
            }
            if (!prepared.isSuccess()) {
                fail(prepared.cause());
                return;
            }
            open.phase(OpenSteps.Phase.RUNNING);
            switch (finish) {
                case Finish.Answer answer -> answer(answer.last(), answer.keep());
                case Finish.Write write -> compute(write);
            }
        });
    }

    /** pgsteer's own statements on the coordinator; then its transaction ends, whatever they did. */
    private void compute(Finish.Write write) {
        Future<Void> computed = write.compute().apply(coordinator, write.sql());
        computed.addListener(c -> {
            if (gone()) {
                return;
            }
            if (!computed.isSuccess()) {
                fail(computed.cause());
                return;
            }
            rollBack();
        });
    }

    /** The client's statement, unchanged, on the coordinator: its answer passes through as PostgreSQL wrote it. */
    private void answer(FinalStep last, Keep keep) {
        if (last instanceof FinalStep.Capture capture) {
            capture(capture);
            return;
        }
        BackendConnection on = coordinator.connection();
        on.attach(apart ? new ApartFrames(coordinator, fanOut, replies.channel(), loop) : owner);
        fanOut.start(List.of(coordinator), Answer.ONE, last.acknowledged(), request -> {
            if (request.failed()) {
                replies.failed();
            } else if (apart && keep.take(coordinator)) {
                // Its transaction stays open: the cursor or portal there reads the temporary tables until it is closed.
                proceed();
                return;
            }
            rollBack();
        });
        last.writeTo(on);
        on.flush();
    }

    /** A write's read: its rows go to pgsteer, then the coordinator's transaction ends as after any answer. */
    private void capture(FinalStep.Capture capture) {
        Future<List<Frame>> read = capture.read().apply(coordinator, capture.sql());
        read.addListener(r -> {
            if (gone()) {
                if (read.isSuccess()) {
                    read.getNow().forEach(Frame::release);
                }
                return;
            }
            if (!read.isSuccess()) {
                fail(read.cause());
                return;
            }
            fanOut.abandon();
            capture.rows().setSuccess(read.getNow());
            rollBack();
        });
    }

    /** Ends the coordinator's transaction: its temporary tables go with it (ON COMMIT DROP, or rolled back). */
    private void rollBack() {
        open.phase(OpenSteps.Phase.ENDING);
        BackendConnection on = coordinator.connection();
        if (!on.isUsable()) {
            if (apart) {
                ShardLeases.giveBackApart(coordinator, false);
            }
            proceed();
            return;
        }
        Future<Void> ended = on.runInternal("ROLLBACK", loop, TransactionStatus.IDLE);
        ended.addListener(e -> {
            if (apart) {
                // Back to the pool even if the client left meanwhile: the session's relay no longer holds it.
                ShardLeases.giveBackApart(coordinator, ended.isSuccess());
            } else if (ended.isSuccess()) {
                on.attach(owner);
                coordinator.leftTransaction();
            } else if (on.isUsable()) {
                // Cannot say what the connection holds: it is not used again.
                on.attach(owner);
                on.close();
            }
            proceed();
        });
    }

    private void proceed() {
        open.close();
        if (!fanOut.clientGone()) {
            next.run();
        }
    }

    /** Whether the client left: its relay closes the connections, and this step is over. */
    private boolean gone() {
        if (fanOut.clientGone()) {
            open.close();
            return true;
        }
        return false;
    }

    /** A step failed: the client hears why (a shard's own error as it sent it), and the coordinator's transaction ends. */
    private void fail(Throwable cause) {
        fanOut.abandon();
        if (finish instanceof Finish.Answer answer && answer.last() instanceof FinalStep.Capture capture) {
            capture.rows().tryFailure(cause);
        }
        if (apart) {
            // The own links' transactions go on (or were aborted by their own error): they are the session's again.
            links.forEach(link -> {
                if (link.connection().isUsable()) {
                    link.connection().attach(owner);
                }
            });
        }
        if (cause instanceof StepRefused refused) {
            replies.fail(refused.sqlState, refused.getMessage());
        } else if (cause instanceof PullFailed failed) {
            replies.channel().write(failed.error(), replies.channel().voidPromise());
            replies.failed();
        } else if (cause instanceof CopyOutRows.ShardFailed failed) {
            replies.channel().write(failed.error(), replies.channel().voidPromise());
            replies.failed();
        } else if (cause instanceof CopyOutRows.TooManyRows) {
            replies.fail(SqlState.PROGRAM_LIMIT_EXCEEDED, "the coordinator step read more than "
                    + InsertSelectCommand.MAX_BYTES / (1024 * 1024) + " MB of rows for this write, which pgsteer holds while it"
                    + " writes them; write fewer rows at a time (narrow its SELECT)");
        } else {
            replies.fail(cause);
        }
        rollBack();
    }

    /** The step cannot go on, for a reason pgsteer states itself (a table missing, a name it cannot read exactly). */
    private static final class StepRefused extends Exception {
        private final SqlState sqlState;

        StepRefused(SqlState sqlState, String message) {
            super(message, null, false, false);
            this.sqlState = sqlState;
        }
    }
}
