package dev.pgsteer.proxy.runtime;

import dev.pgsteer.config.ConfigProblem;
import java.util.List;

/**
 * What a reload did: applied (with notes on what it could not apply live, such as a new listen
 * address), rejected (the file's problems, each with file, line and fix; the running configuration
 * stays), or impossible (no file to re-read, or an unexpected failure).
 */
public sealed interface ReloadOutcome {

    /** In force for new sessions and new statements; {@code notes} say what needs a restart. */
    record Applied(String source, List<String> changes, List<String> notes) implements ReloadOutcome {
        public Applied {
            changes = List.copyOf(changes);
            notes = List.copyOf(notes);
        }
    }

    /** The file has problems; nothing of it was applied. */
    record Rejected(String source, List<ConfigProblem> problems) implements ReloadOutcome {
        public Rejected {
            problems = List.copyOf(problems);
        }

        /** One problem a line, {@code FILE:LINE: what. Fix: how}, as the start reports them. */
        public String message() {
            return String.join("\n", problems.stream().map(ConfigProblem::toString).toList());
        }
    }

    /** Nothing to re-read, or something failed that is not the file's fault. */
    record Failed(String reason) implements ReloadOutcome {
    }

    static ReloadOutcome noFile() {
        return new Failed("pgsteer was started without --config (quick mode or the embedded default): there is no "
                + "configuration file to re-read; restart it to change its settings");
    }

    static ReloadOutcome failed(Throwable e) {
        return new Failed("reload failed: " + e);
    }
}
