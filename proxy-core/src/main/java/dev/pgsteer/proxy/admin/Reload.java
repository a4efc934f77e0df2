package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.runtime.ReloadOutcome;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * RELOAD: re-reads the configuration file, as SIGHUP does. Answers one {@code status} row saying what
 * changed, then a row for each setting that needs a restart, with the command tag RELOAD. A file with
 * problems is rejected whole with F0000 (config_file_error), every problem's file, line and fix in
 * the message, and the running configuration stays.
 */
final class Reload implements AdminCommand {
    static final List<Column> COLUMNS = List.of(Column.text("status"));

    @Override
    public String name() {
        return "RELOAD";
    }

    @Override
    public String description() {
        return "re-read the configuration file (as SIGHUP): users, databases, shard maps, pools";
    }

    @Override
    public List<Column> columns() {
        return COLUMNS;
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return context.reload().thenApply(Reload::answer);
    }

    static Result answer(ReloadOutcome outcome) {
        return switch (outcome) {
            case ReloadOutcome.Applied applied -> {
                Result.Builder result = new Result.Builder(COLUMNS);
                result.row("reloaded " + applied.source() + (applied.changes().isEmpty() ? ": nothing changed"
                        : ": " + String.join("; ", applied.changes())));
                applied.notes().forEach(note -> result.row("not applied: " + note));
                yield result.build("RELOAD");
            }
            case ReloadOutcome.Rejected rejected -> throw new CommandError(ProxyErrors.error(SqlState.CONFIG_FILE_ERROR,
                    "the configuration file has " + rejected.problems().size()
                            + " problem(s); nothing of it was applied, the running configuration stays:\n" + rejected.message(),
                    "fix the file and RELOAD again; pgsteer --check-config " + rejected.source() + " checks it first"));
            case ReloadOutcome.Failed failed -> throw new CommandError(ProxyErrors.error(SqlState.CONFIG_FILE_ERROR,
                    failed.reason()));
        };
    }
}
