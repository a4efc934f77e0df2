package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** SHOW VERSION: pgsteer's version (from the jar's manifest) and the Java it runs on. */
final class ShowVersion extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("version"));

    ShowVersion() {
        super("SHOW VERSION", "pgsteer's version", COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return CompletableFuture.completedFuture(new Result.Builder(COLUMNS).row(text()).build());
    }

    static String text() {
        return "pgsteer " + version() + " on Java " + Runtime.version();
    }

    /** The jar's Implementation-Version; classes run from a build directory have none. */
    static String version() {
        String version = ShowVersion.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }
}
