package dev.pgsteer.router.plan;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.ShardRouter;
import java.util.List;

/**
 * Where a statement goes, decided from its shape alone: the part of a plan that is cached. Key
 * values come later ({@link ShardRouter#resolve}), from literals or Bind parameters.
 */
public sealed interface Placement {

    /** Unsharded tables, catalog queries, statements without tables: the default shard. */
    record DefaultShard(String why) implements Placement {
    }

    /** Reads of reference tables only: any one shard (one the transaction already holds, if any). */
    record AnyShard(String why) implements Placement {
    }

    /**
     * Every shard: DDL, writes to reference tables ({@link Answer#MIRROR}), or statements without a
     * usable key. {@code ifExistsOffDefault}: the object may exist on the default shard only (an index
     * whose table pgsteer cannot tell), so the other shards run the statement with IF EXISTS.
     */
    record AllShards(String why, Answer answer, boolean ifExistsOffDefault) implements Placement {
        public AllShards(String why, Answer answer) {
            this(why, answer, false);
        }
    }

    /**
     * The shards the key conditions allow: one group per set of key-joined sharded tables; every
     * group must land on the same shards. {@code defaultOnly} names an unsharded table the statement
     * also reads, which exists on the default shard only. {@code alsoReads}: every table the statement
     * reads that is not sharded (unsharded and reference tables, each once, as named), which the
     * coordinator step shadows inside a transaction block.
     */
    record ByKey(List<KeyGroup> groups, String defaultOnly, boolean write, List<String> alsoReads) implements Placement {
        public ByKey {
            groups = List.copyOf(groups);
            alsoReads = List.copyOf(alsoReads);
        }

        public ByKey(List<KeyGroup> groups, String defaultOnly, boolean write) {
            this(groups, defaultOnly, write, List.of());
        }
    }

    /** INSERT into a sharded table: each row goes where its key says; {@code keys} in row order. */
    record InsertRows(TableConfig.Sharded table, List<ValueRef> keys) implements Placement {
        public InsertRows {
            keys = List.copyOf(keys);
        }
    }

    /**
     * INSERT into a sharded table without a column list: PostgreSQL fills the table's columns in
     * order, which the shard map does not know. The router places it once the session knows them,
     * as if the first {@code width} of them were written ({@code width} < 0: a SELECT of unknown width,
     * all of them).
     */
    record InsertWithoutColumns(TableConfig.Sharded table, int width) implements Placement {
    }

    /**
     * INSERT ... SELECT into a sharded table: the rows the SELECT ({@code selectShape}, the shape's
     * placeholders for the statement's literals) reads, wherever they are, are written by pgsteer
     * into {@code columns} of the table, each on its key's shard.
     */
    record InsertSelect(TableConfig.Sharded table, List<String> columns, String selectShape) implements Placement {
        public InsertSelect {
            columns = List.copyOf(columns);
        }
    }

    /**
     * UPDATE or DELETE of a sharded table with a conjunct {@code column IN (SELECT ...)}: placed by
     * {@code byKey} where the subquery's rows are co-located; else pgsteer runs the subquery
     * ({@code selectShape}) first, and the write ({@code writeShape}, in which a marker stands for the
     * IN) on every shard with {@code column = ANY(its values)}.
     */
    record KeysFromSubquery(TableConfig.Sharded table, String selectShape, String column, String writeShape, ByKey byKey)
            implements Placement {
        /** What stands for the IN in {@code writeShape}, once. */
        public static final String MARKER = "pgsteer_keys_from_subquery";

        /** The write's shape before the IN. */
        public String before() {
            return writeShape.substring(0, writeShape.indexOf(MARKER));
        }

        /** The write's shape after the IN. */
        public String after() {
            return writeShape.substring(writeShape.indexOf(MARKER) + MARKER.length());
        }
    }

    /**
     * UPDATE ... FROM or DELETE ... USING of a sharded table: placed by {@code byKey} where the other
     * tables' rows are co-located with the target's; else pgsteer computes the write on a coordinator
     * and writes each target row on its shard. {@code selectShape} is a SELECT over the same tables and
     * conditions (what the coordinator pulls is planned from it); {@code computeShape} the client's
     * statement as the coordinator runs it over its copies, an UPDATE that marks the rows it writes (a
     * DELETE's as the UPDATE ... FROM over the same tables and conditions); {@code returningShape} the client's RETURNING ("" without),
     * which each shard runs; {@code returningNames} its unqualified column names, which must be the
     * target's; {@code refusal}, when not null, why this statement cannot be written so.
     */
    record JoinedWrite(TableConfig.Sharded table, boolean delete, String target, String reference, List<String> setColumns,
                       String selectShape, String computeShape, String returningShape, List<String> returningNames,
                       String refusal, ByKey byKey) implements Placement {
        /** The column the UPDATE on the coordinator sets to true in the rows it writes (its copy of the target has it). */
        public static final String WRITTEN = "pgsteer_written";

        public JoinedWrite {
            setColumns = List.copyOf(setColumns);
            returningNames = List.copyOf(returningNames);
        }
    }

    /** What cannot be placed correctly: an ErrorResponse with this SQLSTATE and message. */
    record Refused(String sqlState, String message) implements Placement {
    }

    /** Sharded tables joined on their key: each member's condition must hold. */
    record KeyGroup(List<Member> members) {
        public KeyGroup {
            members = List.copyOf(members);
        }

        public String tables() {
            return String.join(", ", members.stream().map(m -> m.table().name()).distinct().toList());
        }
    }

    record Member(TableConfig.Sharded table, KeyCondition condition) {
    }
}
