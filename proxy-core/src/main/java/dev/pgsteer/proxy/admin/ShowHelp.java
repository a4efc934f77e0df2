package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** SHOW HELP, or HELP: the console's commands, one line each. */
final class ShowHelp extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("command"), Column.text("description"));
    private final List<AdminCommand> others;

    ShowHelp(List<AdminCommand> others) {
        super("SHOW HELP", "this list (HELP does the same)", COLUMNS);
        this.others = List.copyOf(others);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        Result.Builder result = new Result.Builder(COLUMNS);
        others.forEach(c -> result.row(c.name(), c.description()));
        result.row(name(), description());
        return CompletableFuture.completedFuture(result.build());
    }
}
