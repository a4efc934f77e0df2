package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.store.MoveRecord;
import java.util.List;

/**
 * What a move moves, as the SQL that finds its rows on a shard: a hash bucket of a co-located group
 * ({@link MoveNames}), one key of a directory group, which is also how a shared tenant moves
 * ({@link KeyScope}), a tenant's own schema ({@link SchemaScope}) or a tenant's own database
 * ({@link DatabaseScope}). The phases, the cutover and the store are the same for all four; only this
 * text differs. Every object a move makes is named
 * {@code pgsteer_move_<id>...}. Pure text: no connection here.
 */
sealed interface MoveScope permits MoveNames, KeyScope, SchemaScope, DatabaseScope {

    long id();

    /** The moving rows' tables, as {@link #count} and the others number them (in the order given). */
    List<String> tables();

    default String publication() {
        return "pgsteer_move_" + id();
    }

    /** Also the replication slot's name on the source: DROP SUBSCRIPTION drops that slot. */
    default String subscription() {
        return "pgsteer_move_" + id();
    }

    String createPublication();

    /**
     * For a scope that moves whatever tables it holds (a schema, a database): the query that lists them on
     * a shard, comma-separated in the order {@link #tables} sorts to; the cutover stops when a table was
     * made or dropped since checking (it would not be replicated). Null: the configuration names the tables.
     */
    default String tableListQuery() {
        return null;
    }

    /** What such a scope is, as the cutover's reason names it ("schema beta", "database initech"). */
    default String holder() {
        return "move " + id();
    }

    /**
     * The move's barrier table, made on both shards and published with the moving rows (by the scopes
     * whose {@link #marks} says so): a row the mover writes on the source once the fence is in shows
     * up on the target only after every transaction the source committed before it (a subscription
     * applies commits in the source's order), so seeing it there proves the target has applied the
     * last write of what moves. Waiting for the slot's confirmed_flush_lsn instead waited for the
     * target's WAL writer and the apply worker's feedback: 0.8 s of a 1.1 s hold under load
     * ({@code bench/move-bench.sh}).
     */
    default String marker() {
        return "pgsteer_move_" + id() + "_mark";
    }

    default String createMarker() {
        return "CREATE TABLE IF NOT EXISTS " + marker() + " (token text PRIMARY KEY)";
    }

    default String dropMarker() {
        return "DROP TABLE IF EXISTS " + marker();
    }

    /**
     * Whether the publication carries {@link #marker}: a schema tenant's is published table by table
     * by the schema's owner, who may not own a table of the move's; its barrier waits for the slot's
     * confirmed position instead ({@link ShardSteps#barrier}).
     */
    default boolean marks() {
        return true;
    }

    /** The moving rows of one table, counted. */
    String count(int table);

    /** The moving rows of one table as a count and an order-free checksum (see {@link MoveNames#checksum}). */
    String checksum(int table);

    /** Deletes up to {@code batch} of the moving rows of one table; the fence lets this session through. */
    String deleteBatch(int table, int batch);

    /** The fence on one table: a write of the moving rows fails with 40001 (see {@link MoveNames#createFence}). */
    List<String> createFence(int table);

    List<String> dropFence(int table);

    /** The scope of {@code move}: its kind's. */
    static MoveScope of(MoveRecord move) {
        return switch (move.kind()) {
            case "bucket" -> new MoveNames(move.id(), move.tables(), move.keys(), move.keyType(), move.modulus(), move.remainder());
            case "key", "tenant" -> {
                if (move.schemaName() != null) {
                    yield new SchemaScope(move.id(), move.schemaName(), move.keys());
                }
                // A tenant move without a key nor a schema is a database tenant's (TenantMoves.tenantDraft).
                yield move.keyValue() == null && "tenant".equals(move.kind()) ? DatabaseScope.of(move.id(), move.keys())
                        : new KeyScope(move.id(), move.tables(), move.keys(), move.keyType(), move.keyValue());
            }
            default -> throw new MoveRefusedException("move " + move.id() + " is of kind " + move.kind()
                    + ", which this version of pgsteer does not know; finish it with the version that made it");
        };
    }

    /** The SQL of a fence: a row trigger that fails with 40001 when {@code moving} (of {@code NEW.}/{@code OLD.}) holds. */
    static List<String> fence(String function, String trigger, String table, String movingNew, String movingOld, String what) {
        String body = "CREATE OR REPLACE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
                + "BEGIN\n"
                + "  IF current_setting('pgsteer.move_fence', true) = 'off' THEN RETURN COALESCE(NEW, OLD); END IF;\n"
                + "  IF TG_OP = 'TRUNCATE' OR (TG_OP <> 'DELETE' AND " + movingNew + ") OR (TG_OP <> 'INSERT' AND " + movingOld
                + ") THEN\n"
                + "    RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'could not serialize access: ' || " + what
                + " || ' is moving to another shard; retry the transaction';\n"
                + "  END IF;\n"
                + "  RETURN COALESCE(NEW, OLD);\n"
                + "END $f$";
        return List.of(body,
                "CREATE TRIGGER " + trigger + " BEFORE INSERT OR UPDATE OR DELETE ON " + table + " FOR EACH ROW EXECUTE FUNCTION "
                        + function + "()",
                "CREATE TRIGGER " + trigger + "_t BEFORE TRUNCATE ON " + table + " FOR EACH STATEMENT EXECUTE FUNCTION "
                        + function + "()");
    }

    static List<String> dropFence(String function, String trigger, String table) {
        return List.of("DROP TRIGGER IF EXISTS " + trigger + " ON " + table, "DROP TRIGGER IF EXISTS " + trigger + "_t ON " + table,
                "DROP FUNCTION IF EXISTS " + function + "()");
    }
}
