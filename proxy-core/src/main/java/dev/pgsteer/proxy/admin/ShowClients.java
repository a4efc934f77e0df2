package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** SHOW CLIENTS: every client connection open now, this console's own included. */
final class ShowClients extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.int8("id"), Column.text("user"), Column.text("database"),
            Column.text("state"), Column.text("addr"), Column.int8("port"), Column.text("connect_time"),
            Column.text("application_name"), Column.bool("pinned"), Column.text("pinned_by"));
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    ShowClients() {
        super("SHOW CLIENTS",
                "each client connection: id (its BackendKeyData pid), user, database, state, address, since, pinned, and what pinned it",
                COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return context.sessions().snapshots().thenApply(ShowClients::of);
    }

    static Result of(List<ClientSession.Snapshot> sessions) {
        Result.Builder result = new Result.Builder(COLUMNS);
        for (ClientSession.Snapshot s : sessions) {
            result.row((long) s.id(), s.user(), s.database(), s.state(), s.address(), s.port() == null ? null : (long) s.port(),
                    TIME.format(s.connectedAt()), s.applicationName(), s.pinned(), s.pinnedBy());
        }
        return result.build();
    }
}
