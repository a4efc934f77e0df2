package dev.pgsteer.router.analysis;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.ReturningClause;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * UPDATE ... FROM and DELETE ... USING of a sharded table, read for pgsteer to write them itself
 * when the other tables' rows are not co-located with the target's ({@link Placement.JoinedWrite}).
 * The statement's clauses are cut from its own text (the shape, with its literals' placeholders) at
 * their top-level keywords, not printed back from JSQLParser's tree: the coordinator then runs the
 * client's own words (JSQLParser 5.3 misreads some, such as {@code x IN (1, 2) AND y}). The tree
 * serves to check what must be refused: a WITH, a SET of DEFAULT or of a composite's field, ONLY,
 * and a RETURNING that reads other tables than the target.
 */
final class JoinedWrites {
    /** Unqualified words JSQLParser reads as columns that are none. */
    private static final Set<String> NOT_COLUMNS = Set.of("true", "false", "null", "current_date", "current_time",
            "current_timestamp", "localtime", "localtimestamp", "current_user", "session_user", "user", "current_role",
            "current_catalog", "current_schema");

    private static final Pattern SUBQUERY = Pattern.compile("(?i)\\bSELECT\\b");

    private JoinedWrites() {
    }

    static Optional<Placement.JoinedWrite> of(Update update, String text, TableConfig.Sharded table, Placement.ByKey byKey) {
        if (update.getFromItem() == null) {
            return Optional.empty();
        }
        List<String> setColumns = new ArrayList<>();
        String refusal = refusal(update.getWithItemsList() != null && !update.getWithItemsList().isEmpty(),
                update.getStartJoins() != null && !update.getStartJoins().isEmpty() || update.getOrderByElements() != null
                        || update.getLimit() != null || update.getOutputClause() != null);
        for (UpdateSet set : update.getUpdateSets()) {
            for (Column column : set.getColumns()) {
                if (column.getTable() != null && column.getTable().getName() != null) {
                    refusal = first(refusal, "it sets " + column + ", a field of a composite column");
                }
                setColumns.add(identifier(column.getColumnName()));
            }
        }
        Clauses clauses = Clauses.read(text, false);
        if (refusal != null || clauses == null) {
            return Optional.of(refused(table, first(refusal, "pgsteer cannot find its SET, FROM and WHERE clauses"), byKey));
        }
        String reference = reference(update.getTable());
        refusal = clauses.refusal();
        refusal = first(refusal, returning(update.getReturningClause(), reference));
        List<String> names = refusal == null ? returningNames(update.getReturningClause()) : List.of();
        String select = "SELECT " + clauses.head() + " FROM " + clauses.target() + ", " + clauses.from() + clauses.where();
        String compute = text.substring(0, clauses.headStart()) + " " + Placement.JoinedWrite.WRITTEN + " = true,"
                + text.substring(clauses.headStart(), clauses.returningStart()).stripTrailing();
        return Optional.of(new Placement.JoinedWrite(table, false, clauses.target(), reference,
                List.copyOf(new LinkedHashSet<>(setColumns)), select, compute, clauses.returning(), names, refusal, byKey));
    }

    static Optional<Placement.JoinedWrite> of(Delete delete, String text, TableConfig.Sharded table, Placement.ByKey byKey) {
        if (delete.getUsingList() == null || delete.getUsingList().isEmpty()) {
            return Optional.empty();
        }
        String refusal = refusal(delete.getWithItemsList() != null && !delete.getWithItemsList().isEmpty(),
                delete.getTables() != null && !delete.getTables().isEmpty() || delete.getOrderByElements() != null
                        || delete.getLimit() != null || delete.getOutputClause() != null);
        Clauses clauses = Clauses.read(text, true);
        if (refusal != null || clauses == null) {
            return Optional.of(refused(table, first(refusal, "pgsteer cannot find its FROM, USING and WHERE clauses"), byKey));
        }
        String reference = reference(delete.getTable());
        refusal = clauses.refusal();
        refusal = first(refusal, returning(delete.getReturningClause(), reference));
        List<String> names = refusal == null ? returningNames(delete.getReturningClause()) : List.of();
        String select = "SELECT 1 FROM " + clauses.target() + ", " + clauses.from() + clauses.where();
        // The rows DELETE ... USING removes are those UPDATE ... FROM over the same tables and conditions writes.
        String compute = "UPDATE " + clauses.target() + " SET " + Placement.JoinedWrite.WRITTEN + " = true FROM " + clauses.from()
                + clauses.where();
        return Optional.of(new Placement.JoinedWrite(table, true, clauses.target(), reference, List.of(), select, compute,
                clauses.returning(), names, refusal, byKey));
    }

    private static Placement.JoinedWrite refused(TableConfig.Sharded table, String why, Placement.ByKey byKey) {
        return new Placement.JoinedWrite(table, false, "", "", List.of(), "", "", "", List.of(), why, byKey);
    }

    private static String refusal(boolean with, boolean notPostgres) {
        if (with) {
            return "it has a WITH clause";
        }
        return notPostgres ? "it has clauses PostgreSQL's UPDATE and DELETE do not have" : null;
    }

    private static String first(String refusal, String another) {
        return refusal != null ? refusal : another;
    }

    /** How the statement names its target: its alias, or the table's name as written. */
    private static String reference(Table target) {
        return target.getAlias() != null ? target.getAlias().getName() : target.getName();
    }

    /** Why the RETURNING cannot run on the target's shards alone, or null: it reads other tables. */
    private static String returning(ReturningClause returning, String reference) {
        if (returning == null) {
            return null;
        }
        String target = identifier(reference);
        for (SelectItem<?> item : returning) {
            Expression expression = item.getExpression();
            if (expression instanceof AllTableColumns all) {
                if (!qualifiedBy(all.getTable(), target)) {
                    return "its RETURNING reads " + all + ", which is not the target's row";
                }
                continue;
            }
            if (expression instanceof AllColumns) {
                return "its RETURNING * reads the rows of every table it joins, not only the target's";
            }
            if (SUBQUERY.matcher(expression.toString()).find()) {
                return "its RETURNING reads tables in a subquery";
            }
            Inputs inputs = new Inputs();
            inputs.getTables(expression);
            for (Column column : inputs.columns) {
                if (column.getTable() != null && column.getTable().getName() != null && !qualifiedBy(column.getTable(), target)) {
                    return "its RETURNING reads " + column + ", which is not the target's";
                }
            }
        }
        return null;
    }

    /** The unqualified column names of the RETURNING, which must be the target's (checked against its catalog when it runs). */
    private static List<String> returningNames(ReturningClause returning) {
        if (returning == null) {
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (SelectItem<?> item : returning) {
            if (item.getExpression() instanceof AllTableColumns) {
                continue;
            }
            Inputs inputs = new Inputs();
            inputs.getTables(item.getExpression());
            for (Column column : inputs.columns) {
                String name = identifier(column.getColumnName());
                if ((column.getTable() == null || column.getTable().getName() == null) && !NOT_COLUMNS.contains(name)) {
                    names.add(name);
                }
            }
        }
        return List.copyOf(names);
    }

    private static boolean qualifiedBy(Table table, String target) {
        return table != null && table.getSchemaName() == null && table.getName() != null && identifier(table.getName()).equals(target);
    }

    /** The columns of an expression (subqueries' tables are the finder's). */
    private static final class Inputs extends TablesNamesFinder<Void> {
        final List<Column> columns = new ArrayList<>();

        @Override
        public <S> Void visit(Column column, S context) {
            columns.add(column);
            return super.visit(column, context);
        }
    }

    /**
     * The top-level clauses of {@code UPDATE target SET head FROM from [WHERE ...] [RETURNING ...]}
     * or {@code DELETE FROM target USING from [WHERE ...] [RETURNING ...]}, cut from the text.
     *
     * @param headStart      where the SET list starts (after SET; a DELETE has none: where USING starts)
     * @param returningStart where RETURNING starts (the text's end without one)
     * @param where          " WHERE ..." or ""
     * @param returning      " RETURNING ..." or ""
     * @param refusal        why the clauses cannot be written so (a DEFAULT in SET, ONLY, WHERE CURRENT OF), or null
     */
    record Clauses(String target, String head, int headStart, String from, String where, String returning, int returningStart,
                   String refusal) {

        static Clauses read(String text, boolean delete) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            SqlTokenizer tokens = new SqlTokenizer(bytes, 0, bytes.length, false);
            int depth = 0;
            int targetStart = -1;
            int headStart = -1;
            int headEnd = -1;
            int fromStart = -1;
            int fromEnd = -1;
            int whereStart = -1;
            int returningStart = -1;
            int end = bytes.length;
            boolean sawDefault = false;
            boolean only = false;
            int words = 0;
            while (tokens.next() != SqlTokenizer.Kind.END) {
                if (tokens.isPunct('(') || tokens.isPunct('[')) {
                    depth++;
                    continue;
                }
                if (tokens.isPunct(')') || tokens.isPunct(']')) {
                    depth--;
                    continue;
                }
                if (tokens.isPunct(';') && depth == 0) {
                    end = tokens.start();
                    break;
                }
                if (tokens.kind() != SqlTokenizer.Kind.WORD) {
                    continue;
                }
                words++;
                if (headStart >= 0 && headEnd < 0 && tokens.isWord("default")) {
                    sawDefault = true;
                }
                if (depth != 0) {
                    continue;
                }
                if (delete) {
                    if (targetStart < 0 && words == 2 && tokens.isWord("from")) {
                        targetStart = tokens.stop();
                    } else if (targetStart >= 0 && fromStart < 0 && tokens.isWord("using")) {
                        headStart = tokens.start();
                        headEnd = tokens.start();
                        fromStart = tokens.stop();
                    }
                } else if (targetStart < 0 && words == 1 && tokens.isWord("update")) {
                    targetStart = tokens.stop();
                } else if (targetStart >= 0 && headStart < 0 && tokens.isWord("set")) {
                    headStart = tokens.stop();
                } else if (headStart >= 0 && fromStart < 0 && tokens.isWord("from")) {
                    headEnd = tokens.start();
                    fromStart = tokens.stop();
                }
                if (targetStart >= 0 && words == (delete ? 3 : 2) && tokens.isWord("only")) {
                    only = true;
                }
                if (fromStart >= 0 && tokens.start() >= fromStart) {
                    if (whereStart < 0 && returningStart < 0 && fromEnd < 0 && tokens.isWord("where")) {
                        fromEnd = tokens.start();
                        whereStart = tokens.stop();
                    } else if (returningStart < 0 && tokens.isWord("returning")) {
                        if (fromEnd < 0) {
                            fromEnd = tokens.start();
                        }
                        returningStart = tokens.start();
                    }
                }
            }
            if (targetStart < 0 || headStart < 0 || fromStart < 0) {
                return null;
            }
            if (fromEnd < 0) {
                fromEnd = end;
            }
            int whereEnd = returningStart >= 0 ? returningStart : end;
            String where = whereStart >= 0 ? " WHERE " + cut(bytes, whereStart, whereEnd) : "";
            String refusal = sawDefault ? "it sets a column to DEFAULT, which pgsteer's copy of the target does not know"
                    : only ? "it names its target with ONLY" : where.matches("(?is) WHERE\\s+CURRENT\\s+OF\\b.*")
                    ? "it writes WHERE CURRENT OF a cursor" : null;
            int targetEnd = delete ? headStart : headStart - 3;
            return new Clauses(cut(bytes, targetStart, targetEnd), delete ? "" : cut(bytes, headStart, headEnd),
                    charIndex(bytes, headStart), cut(bytes, fromStart, fromEnd), where,
                    returningStart >= 0 ? " " + cut(bytes, returningStart, end) : "",
                    charIndex(bytes, returningStart >= 0 ? returningStart : end), refusal);
        }

        private static String cut(byte[] bytes, int from, int to) {
            return new String(bytes, from, to - from, StandardCharsets.UTF_8).strip();
        }

        /** The index in the text of a byte offset. */
        private static int charIndex(byte[] bytes, int offset) {
            return new String(bytes, 0, offset, StandardCharsets.UTF_8).length();
        }
    }
}
