package dev.pgsteer.proxy.sharding;

import dev.pgsteer.router.command.TableColumns;
import java.util.List;

/**
 * The columns one session routes its INSERTs without a column list with: the ones read for the
 * statement being routed, else its database's {@link LearnedColumns}. Tells the database when its
 * transaction runs DDL and when that transaction ends. Used on the session's event loop (and read by
 * the planner executor while the session waits for a plan).
 */
public final class SessionColumns implements TableColumns {
    private final LearnedColumns database;
    /** What was read for the statement being routed (perhaps inside its transaction, after its own DDL). */
    private String statementTable;
    private List<String> statementColumns;
    private boolean ranDdl;

    public SessionColumns(LearnedColumns database) {
        this.database = database;
    }

    @Override
    public List<String> of(String table) {
        List<String> own = statementColumns;
        return own != null && table.equals(statementTable) ? own : database.of(table);
    }

    /**
     * Read from the catalog for this statement; kept for the database's sessions too when
     * {@code shared} (read outside a transaction block, which sees what is committed).
     */
    public void learned(String table, List<String> columns, long since, boolean shared) {
        statementTable = table;
        statementColumns = List.copyOf(columns);
        if (shared) {
            database.learned(table, columns, since);
        }
    }

    /** The statement is routed: what was read for it alone is forgotten. */
    public void statementRouted() {
        if (statementColumns != null) {
            statementColumns = null;
            statementTable = null;
        }
    }

    /** The session ran DDL, which may change columns once its transaction commits. */
    public void ddlRan() {
        if (!ranDdl) {
            ranDdl = true;
            database.ddlOpened();
        } else {
            database.forget();
        }
    }

    /** The session's transaction ended, or the session did. */
    public void transactionEnded() {
        if (ranDdl) {
            ranDdl = false;
            database.ddlClosed();
        }
    }
}
