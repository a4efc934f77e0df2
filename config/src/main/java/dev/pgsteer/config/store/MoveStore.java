package dev.pgsteer.config.store;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The online moves in the metadata store (migration V5): {@code moves}, {@code move_acks},
 * {@code move_holds} and {@code node_maps}. Each change is one short transaction that sends
 * {@code NOTIFY <schema>_moves}; every instance follows the unfinished moves and their holds through
 * a {@link StoreFollower}. A move's row is changed only by its owner: every update is conditioned on
 * {@code owner}, so an instance whose move was taken over learns it (false) and stops. Control plane:
 * every call blocks on JDBC.
 */
public final class MoveStore {

    /** The columns {@link #set} may change; their names are SQL, never a caller's text. */
    public enum Field {
        PHASE("phase"), PUBLICATION("publication"), SUBSCRIPTION("subscription"), SLOT("slot"), IDENTITIES("identities"),
        ROWS_COPIED("rows_copied"), ROWS_TOTAL("rows_total"), ROWS_DELETED("rows_deleted"), LAG_BYTES("lag_bytes"),
        LAG_SECONDS("lag_seconds"), HOLD_MS("hold_ms"), ATTEMPTS("attempts"), FLIP_VERSION("flip_version"), ERROR("error"),
        KEY_TYPE("key_type"),
        /** A schema tenant's move keeps its schema's tables here, read at checking (it has no key columns). */
        KEYS("keys");

        final String column;

        Field(String column) {
            this.column = column;
        }
    }

    private static final String COLUMNS = "id, kind, database, tables, keys, key_type, modulus, remainder, source, target, phase, "
            + "owner, publication, subscription, slot, identities, rows_copied, rows_total, rows_deleted, lag_bytes, lag_seconds, "
            + "hold_ms, attempts, flip_version, cancel, error, started, updated, subject, key_value, schema_name";
    private static final String UNFINISHED = "phase NOT IN ('done', 'failed', 'cancelled')";

    private final StoreSchema schema;
    private final StoreTransactions transactions;
    private final ListenLoop.Connector listener;
    private final StoreHealth health;
    private final String where;
    private final String channel;
    private StoreFollower<MovesState> follower;

    MoveStore(StoreSchema schema, StoreTransactions transactions, ListenLoop.Connector listener, StoreHealth health,
              String where) {
        this.schema = schema;
        this.transactions = transactions;
        this.listener = listener;
        this.health = health;
        this.where = where;
        String name = schema.name() + "_moves";
        this.channel = name.getBytes(StandardCharsets.UTF_8).length <= 63 ? name
                : "pgsteer_moves_" + java.util.HexFormat.of().toHexDigits(schema.name().hashCode());
    }

    /** Records a new move owned by {@code owner}; throws {@link MoveConflictException} when its group has one unfinished. */
    public MoveRecord create(MoveRecord draft, String owner) {
        return transactions.run("record a move", c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("moves")
                    + " (kind, database, tables, keys, key_type, modulus, remainder, source, target, owner, subject, key_value,"
                    + " schema_name) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM " + schema.table("moves")
                    // A group's queued moves were planned from its map: a move in between would change it under them.
                    + " q WHERE q.database = ? AND q.tables[1] = ? AND q.phase = 'queued') ON CONFLICT DO NOTHING RETURNING " + COLUMNS)) {
                st.setString(1, draft.kind());
                st.setString(2, draft.database());
                st.setArray(3, c.createArrayOf("text", draft.tables().toArray()));
                st.setArray(4, c.createArrayOf("text", draft.keys().toArray()));
                st.setString(5, draft.keyType());
                st.setInt(6, draft.modulus());
                st.setInt(7, draft.remainder());
                st.setString(8, draft.source());
                st.setString(9, draft.target());
                st.setString(10, owner);
                st.setString(11, draft.subject());
                st.setString(12, draft.keyValue());
                st.setString(13, draft.schemaName());
                st.setString(14, draft.database());
                st.setString(15, draft.tables().getFirst());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new MoveConflictException("table " + draft.tables().getFirst() + " of database " + draft.database()
                                + " has a move that is not finished; SHOW MOVES lists it (CANCEL MOVE id, or wait for it)");
                    }
                    MoveRecord made = read(rs);
                    notify(c, made.id());
                    return made;
                }
            }
        });
    }

    /**
     * Records a plan's moves, in order, owned by {@code owner}: the first of each table group as a
     * running move (phase checking), the others queued behind it. Throws {@link MoveConflictException},
     * recording none, when a group of the plan has a move that is not finished (queued ones included).
     */
    public List<MoveRecord> enqueue(List<MoveRecord> drafts, String owner) {
        return transactions.run("record a plan of moves", c -> {
            // Two plans of one group at once would both find it free: the store's lock makes them take turns.
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, channel);
                lock.execute();
            }
            List<MoveRecord> made = new ArrayList<>();
            Set<String> started = new HashSet<>();
            for (MoveRecord draft : drafts) {
                String group = draft.database() + "/" + draft.tables().getFirst();
                if (!started.contains(group)) {
                    try (PreparedStatement st = c.prepareStatement("SELECT id, phase FROM " + schema.table("moves")
                            + " WHERE database = ? AND tables[1] = ? AND " + UNFINISHED + " LIMIT 1")) {
                        st.setString(1, draft.database());
                        st.setString(2, draft.tables().getFirst());
                        try (ResultSet rs = st.executeQuery()) {
                            if (rs.next()) {
                                throw new MoveConflictException("table " + draft.tables().getFirst() + " of database "
                                        + draft.database() + " has a move that is not finished (" + rs.getLong(1) + ", "
                                        + rs.getString(2) + "); SHOW MOVES lists it (CANCEL MOVE id, or wait for it)");
                            }
                        }
                    }
                }
                String phase = started.add(group) ? "checking" : "queued";
                try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("moves")
                        + " (kind, database, tables, keys, key_type, modulus, remainder, source, target, owner, phase) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + COLUMNS)) {
                    st.setString(1, draft.kind());
                    st.setString(2, draft.database());
                    st.setArray(3, c.createArrayOf("text", draft.tables().toArray()));
                    st.setArray(4, c.createArrayOf("text", draft.keys().toArray()));
                    st.setString(5, draft.keyType());
                    st.setInt(6, draft.modulus());
                    st.setInt(7, draft.remainder());
                    st.setString(8, draft.source());
                    st.setString(9, draft.target());
                    st.setString(10, owner);
                    st.setString(11, phase);
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        made.add(read(rs));
                    }
                }
            }
            for (MoveRecord m : made) {
                notify(c, m.id());
            }
            return made;
        });
    }

    /**
     * Starts (phase checking) the first queued move of each group whose moves are all queued or
     * finished, among those {@code owner} owns; returns them. A queued move waits while its group's
     * move before it runs, whichever way that one ends: each move of a plan is a bucket of its own.
     */
    public List<MoveRecord> startQueued(String owner) {
        return transactions.run("start queued moves", c -> {
            List<MoveRecord> started = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("UPDATE " + schema.table("moves") + " m SET phase = 'checking',"
                    + " started = now(), updated = now() WHERE m.phase = 'queued' AND m.owner = ? AND m.id = (SELECT min(q.id) FROM "
                    + schema.table("moves") + " q WHERE q.database = m.database AND q.tables[1] = m.tables[1] AND q.phase = 'queued')"
                    + " AND NOT EXISTS (SELECT 1 FROM " + schema.table("moves") + " r WHERE r.database = m.database"
                    + " AND r.tables[1] = m.tables[1] AND r." + UNFINISHED + " AND r.phase <> 'queued') RETURNING " + COLUMNS)) {
                st.setString(1, owner);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        started.add(read(rs));
                    }
                }
            }
            for (MoveRecord m : started) {
                notify(c, m.id());
            }
            return started;
        });
    }

    /** Cancels move {@code id} if it is still queued (nothing of it was made: it only leaves the queue); false when it is not. */
    public boolean cancelQueued(long id) {
        return transactions.run("cancel queued move " + id, c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE " + schema.table("moves") + " SET phase = 'cancelled', cancel = true,"
                    + " error = 'cancelled before it started', updated = now() WHERE id = ? AND phase = 'queued'")) {
                st.setLong(1, id);
                boolean was = st.executeUpdate() == 1;
                if (was) {
                    notify(c, id);
                }
                return was;
            }
        });
    }

    public Optional<MoveRecord> get(long id) {
        return transactions.run("read move " + id, c -> {
            List<MoveRecord> rows = select(c, "SELECT " + COLUMNS + " FROM " + schema.table("moves") + " WHERE id = " + id);
            return rows.stream().findFirst();
        });
    }

    /** Every move, newest first ({@code limit} at most). */
    public List<MoveRecord> list(int limit) {
        return transactions.run("list moves", c -> select(c, "SELECT " + COLUMNS + " FROM " + schema.table("moves")
                + " ORDER BY id DESC LIMIT " + limit));
    }

    /**
     * Sets {@code values} on move {@code id} if {@code owner} still owns it (and {@code updated}); false
     * when it does not: another instance took it over, and this one must leave it alone.
     */
    public boolean set(long id, String owner, Map<Field, Object> values) {
        return transactions.run("update move " + id, c -> {
            StringBuilder sql = new StringBuilder("UPDATE ").append(schema.table("moves")).append(" SET updated = now()");
            for (Field f : values.keySet()) {
                sql.append(", ").append(f.column).append(" = ?");
            }
            sql.append(" WHERE id = ? AND owner = ?");
            try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (Object v : values.values()) {
                    if (v instanceof List<?> list) {
                        st.setArray(i++, c.createArrayOf("text", list.toArray()));
                    } else {
                        st.setObject(i++, v);
                    }
                }
                st.setLong(i++, id);
                st.setString(i, owner);
                boolean mine = st.executeUpdate() == 1;
                // Only a phase matters to the other instances (their guards); progress is read by SHOW MOVES
                // from the table. Fewer notifications keep the followers' settle time off the cutover's hold.
                if (mine && values.containsKey(Field.PHASE)) {
                    notify(c, id);
                }
                return mine;
            }
        });
    }

    public boolean set(long id, String owner, Field field, Object value) {
        Map<Field, Object> one = new LinkedHashMap<>();
        one.put(field, value);
        return set(id, owner, one);
    }

    /** Asks move {@code id} to cancel; returns its phase then (empty: no such move). */
    public Optional<String> requestCancel(long id) {
        return transactions.run("cancel move " + id, c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE " + schema.table("moves")
                    + " SET cancel = true, updated = now() WHERE id = ? RETURNING phase")) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<String>empty();
                    }
                    String phase = rs.getString(1);
                    notify(c, id);
                    return Optional.of(phase);
                }
            }
        });
    }

    /** Records that {@code node} did {@code what} for move {@code moveId} ('guard', 'hold 3'). */
    public void ack(long moveId, String node, String what) {
        transactions.run("acknowledge move " + moveId, c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("move_acks")
                    + " (move_id, node, what) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM " + schema.table("moves")
                    + " WHERE id = ?) ON CONFLICT DO NOTHING")) {
                st.setLong(1, moveId);
                st.setString(2, node);
                st.setString(3, what);
                st.setLong(4, moveId);
                st.executeUpdate();
            }
            return null;
        });
    }

    /** The live nodes that have not acknowledged {@code what} of move {@code moveId}. */
    public Set<String> notAcked(long moveId, String what) {
        return transactions.run("read acknowledgements of move " + moveId, c -> {
            Set<String> missing = new HashSet<>();
            try (PreparedStatement st = c.prepareStatement("SELECT n.node FROM " + schema.table("nodes") + " n WHERE n.state = 'live'"
                    + " AND NOT EXISTS (SELECT 1 FROM " + schema.table("move_acks") + " a WHERE a.move_id = ? AND a.node = n.node"
                    + " AND a.what = ?)")) {
                st.setLong(1, moveId);
                st.setString(2, what);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        missing.add(rs.getString(1));
                    }
                }
            }
            return missing;
        });
    }

    /** Starts the write hold of attempt {@code attempt} of move {@code moveId}. */
    public void hold(long moveId, int attempt) {
        transactions.run("hold writes of move " + moveId, c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("move_holds")
                    + " (move_id, attempt) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                st.setLong(1, moveId);
                st.setInt(2, attempt);
                st.executeUpdate();
            }
            notify(c, moveId);
            return null;
        });
    }

    /** Releases every hold of move {@code moveId}: writes go once an instance routes by {@code version} (0: at once). */
    public void release(long moveId, long version) {
        transactions.run("release writes of move " + moveId, c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE " + schema.table("move_holds")
                    + " SET state = 'released', version = ? WHERE move_id = ? AND state = 'holding'")) {
                st.setLong(1, version);
                st.setLong(2, moveId);
                st.executeUpdate();
            }
            notify(c, moveId);
            return null;
        });
    }

    /** {@code node} routes by shard map {@code version} now. */
    public void reportVersion(String node, long version) {
        transactions.run("report the shard map version of node " + node, c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO " + schema.table("node_maps") + " (node, version) VALUES (?, ?)"
                    + " ON CONFLICT (node) DO UPDATE SET version = greatest(excluded.version, " + schema.table("node_maps")
                    + ".version), at = now()")) {
                st.setString(1, node);
                st.setLong(2, version);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("DELETE FROM " + schema.table("node_maps") + " m WHERE NOT EXISTS"
                    + " (SELECT 1 FROM " + schema.table("nodes") + " n WHERE n.node = m.node AND n.state = 'live')")) {
                st.executeUpdate();
            }
            return null;
        });
    }

    /** The live nodes that do not route by {@code version} or a later one yet. */
    public Set<String> behind(long version) {
        return transactions.run("read the nodes' shard map versions", c -> {
            Set<String> behind = new HashSet<>();
            try (PreparedStatement st = c.prepareStatement("SELECT n.node FROM " + schema.table("nodes") + " n LEFT JOIN "
                    + schema.table("node_maps") + " m ON m.node = n.node WHERE n.state = 'live' AND coalesce(m.version, -1) < ?")) {
                st.setLong(1, version);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        behind.add(rs.getString(1));
                    }
                }
            }
            return behind;
        });
    }

    /**
     * Makes {@code node} the owner of every unfinished move whose owner's lease is not live (ended, or
     * gone), and returns them: the move of an instance that stopped or crashed.
     */
    public List<MoveRecord> adoptOrphans(String node) {
        return transactions.run("adopt moves of ended nodes", c -> {
            List<MoveRecord> adopted = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("UPDATE " + schema.table("moves") + " m SET owner = ?, updated = now()"
                    + " WHERE " + UNFINISHED + " AND NOT EXISTS (SELECT 1 FROM " + schema.table("nodes")
                    + " n WHERE n.node = m.owner AND n.state = 'live') RETURNING " + COLUMNS)) {
                st.setString(1, node);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        adopted.add(read(rs));
                    }
                }
            }
            for (MoveRecord m : adopted) {
                notify(c, m.id());
            }
            return adopted;
        });
    }

    /** Calls {@code onChange} with the unfinished moves and their holds whenever they change, on the listener's thread. */
    public synchronized void follow(Consumer<MovesState> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        if (follower == null) {
            follower = new StoreFollower<>("moves", "pgsteer-moves-listener", listener, c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + StoreSchema.quote(channel));
                }
                return null;
            }, this::state, s -> s.active().size() + " unfinished move(s)", health, where, MovesState.NONE, false);
            follower.add(onChange);
            follower.start();
        } else {
            follower.add(onChange);
        }
    }

    /** The unfinished moves and their holds, in one snapshot. */
    public MovesState state() {
        return transactions.run("read the moves", this::state);
    }

    private MovesState state(Connection c) throws SQLException {
        List<MoveRecord> active = select(c, "SELECT " + COLUMNS + " FROM " + schema.table("moves") + " WHERE " + UNFINISHED
                + " ORDER BY id");
        List<MoveHold> holds = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT move_id, attempt, state, version FROM "
                + schema.table("move_holds") + " WHERE move_id IN (SELECT id FROM " + schema.table("moves") + " WHERE " + UNFINISHED
                + ") ORDER BY move_id, attempt")) {
            while (rs.next()) {
                holds.add(new MoveHold(rs.getLong(1), rs.getInt(2), rs.getString(3).equals("released"), rs.getLong(4)));
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
        return new MovesState(active, holds);
    }

    synchronized void close() {
        if (follower != null) {
            follower.stop();
            follower = null;
        }
    }

    private void notify(Connection c, long id) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            st.setString(1, channel);
            st.setString(2, Long.toString(id));
            st.execute();
        }
    }

    private static List<MoveRecord> select(Connection c, String sql) throws SQLException {
        List<MoveRecord> rows = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(read(rs));
            }
        }
        return rows;
    }

    private static MoveRecord read(ResultSet rs) throws SQLException {
        return new MoveRecord(rs.getLong("id"), rs.getString("kind"), rs.getString("database"), texts(rs.getArray("tables")),
                texts(rs.getArray("keys")), rs.getString("key_type"), rs.getInt("modulus"), rs.getInt("remainder"),
                rs.getString("source"), rs.getString("target"), rs.getString("phase"), rs.getString("owner"),
                rs.getString("publication"), rs.getString("subscription"), rs.getString("slot"), texts(rs.getArray("identities")),
                rs.getLong("rows_copied"), rs.getObject("rows_total", Long.class), rs.getLong("rows_deleted"),
                rs.getObject("lag_bytes", Long.class), rs.getBigDecimal("lag_seconds"), rs.getBigDecimal("hold_ms"),
                rs.getInt("attempts"), rs.getObject("flip_version", Long.class), rs.getBoolean("cancel"), rs.getString("error"),
                rs.getObject("started", OffsetDateTime.class), rs.getObject("updated", OffsetDateTime.class), rs.getString("subject"),
                rs.getString("key_value"), rs.getString("schema_name"));
    }

    private static List<String> texts(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }
}
