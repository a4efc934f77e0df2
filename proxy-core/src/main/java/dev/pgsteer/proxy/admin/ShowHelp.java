package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.ProxyContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** SHOW HELP, or HELP: the console's commands, one line each. */
final class ShowHelp implements AdminCommand {
    static final List<Column> COLUMNS = List.of(Column.text("command"), Column.text("description"));
    private final List<AdminCommand> others;

    ShowHelp(List<AdminCommand> others) {
        this.others = List.copyOf(others);
    }

    @Override
    public String name() {
        return "SHOW HELP";
    }

    @Override
    public String description() {
        return "this list (HELP does the same)";
    }

    @Override
    public List<Column> columns() {
        return COLUMNS;
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        Result.Builder result = new Result.Builder(COLUMNS);
        others.forEach(c -> result.row(c.name(), c.description()));
        result.row(name(), description());
        return CompletableFuture.completedFuture(result.build());
    }
}
