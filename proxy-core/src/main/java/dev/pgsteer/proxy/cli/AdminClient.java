package dev.pgsteer.proxy.cli;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.store.BackendJdbc;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code pgsteer admin "COMMAND" [--admin URL]}: runs one admin console command on a running pgsteer and
 * prints its answer as a table; for a command that starts a move, then follows it ({@link MoveWatch}).
 * The console is an ordinary PostgreSQL connection (pgjdbc) to the virtual database {@code pgsteer}.
 */
final class AdminClient {
    private AdminClient() {
    }

    static int run(CommandLine.Admin admin, PrintStream out, PrintStream err) throws InterruptedException {
        BackendUrl url = BackendUrl.parse(admin.adminUrl());
        Properties props = BackendJdbc.properties(url, Duration.ofSeconds(10), "pgsteer admin");
        // ADD SHARD copies a schema and reference rows: its answer may take longer than any timeout should cut.
        props.setProperty("socketTimeout", "0");
        if (url.password() == null && System.getenv("PGPASSWORD") != null) {
            props.setProperty("password", System.getenv("PGPASSWORD"));
        }
        AtomicLong watching = new AtomicLong(-1);
        Thread onCtrlC = new Thread(() -> {
            long id = watching.get();
            if (id >= 0) {
                err.println(MoveWatch.leaving(id));
            }
        }, "pgsteer-admin-exit");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        try (Connection console = DriverManager.getConnection(BackendJdbc.url(url, url.database() == null ? "pgsteer" : null), props);
             Statement st = console.createStatement()) {
            ResultTable answer;
            boolean hasRows = st.execute(admin.command());
            if (!hasRows) {
                out.println("OK");
                return 0;
            }
            try (ResultSet rs = st.getResultSet()) {
                answer = table(rs);
            }
            out.print(answer.render());
            if (!MoveWatch.startsMove(admin.command()) || answer.rows().isEmpty() || !answer.columns().contains("id")) {
                return 0;
            }
            MoveWatch watch = new MoveWatch(moveId -> {
                PreparedStatement show = console.prepareStatement("SHOW MOVE " + moveId);
                show.closeOnCompletion();
                return show.executeQuery();
            }, () -> Thread.sleep(1000), out);
            // REBALANCE and SPLIT SHARD answer a row per planned move: they run one after another, and are watched so.
            int code = 0;
            for (long id : MoveWatch.ids(answer.rows().stream().map(r -> r.get(answer.columns().indexOf("id"))).toList())) {
                watching.set(id);
                code = Math.max(code, watch.watch(id));
            }
            watching.set(-1);
            return code;
        } catch (SQLException e) {
            err.println("pgsteer admin: " + e.getMessage().strip() + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"));
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook runs now and says the move goes on.
            }
        }
    }

    private static ResultTable table(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.add(meta.getColumnLabel(i));
        }
        List<List<String>> rows = new ArrayList<>();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= columns.size(); i++) {
                row.add(rs.getString(i));
            }
            rows.add(row);
        }
        return new ResultTable(columns, rows);
    }
}
