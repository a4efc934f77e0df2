package dev.pgsteer.config;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration that cannot be used. It carries every problem found, not only the first, so an
 * operator fixes the file in one round; the message has one problem per line, in file order.
 * {@link #file()}, {@link #line()} and {@link #fix()} describe the first.
 */
public final class ConfigException extends RuntimeException {

    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        this(sorted(problems), null);
    }

    public ConfigException(String file, int line, String what, String fix) {
        this(List.of(new ConfigProblem(file, line, what, fix)), null);
    }

    public ConfigException(String file, int line, String what, String fix, Throwable cause) {
        this(List.of(new ConfigProblem(file, line, what, fix)), cause);
    }

    private ConfigException(List<ConfigProblem> problems, Throwable cause) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")), cause);
        this.problems = problems;
    }

    private static List<ConfigProblem> sorted(List<ConfigProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return problems.stream().sorted(Comparator.comparingInt(ConfigProblem::line)).toList();
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    public String file() {
        return problems.get(0).file();
    }

    public int line() {
        return problems.get(0).line();
    }

    public String fix() {
        return problems.get(0).fix();
    }
}
