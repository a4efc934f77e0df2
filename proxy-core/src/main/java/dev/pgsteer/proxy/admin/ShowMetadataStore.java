package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.store.MetadataStore;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW METADATA: where the tenant directory comes from, whether that store answers, and how old the
 * directory served is. While the store is unreachable pgsteer routes by the last directory it loaded.
 */
final class ShowMetadataStore extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("store"), Column.bool("durable"), Column.bool("reachable"),
            Column.int8("lag_ms"), Column.int8("directory_version"), Column.int8("tenants"));

    ShowMetadataStore() {
        super("SHOW METADATA",
                "the metadata store holding the tenant directory: reachable, lag, directory version",
                COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        MetadataStore store = context.tenants().store();
        var directory = context.tenants().directory();
        return CompletableFuture.completedFuture(new Result.Builder(COLUMNS).row(store.describe(), store.durable(),
                store.reachable(), store.lag().map(d -> d.toMillis()).orElse(null), directory.version(),
                (long) directory.tenants().size()).build());
    }
}
