package dev.pgsteer.config;

import java.util.Objects;

/**
 * One thing wrong in a configuration, where it is, and what to do about it. {@code line} is 1-based;
 * 0 means the problem has no line (the file cannot be read, for one).
 */
public record ConfigProblem(String file, int line, String what, String fix) {

    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(fix, "fix");
    }

    /** {@code <file>:<line>: <what is wrong>. Fix: <what to do>}, the shape compilers use, so editors can jump to it. */
    @Override
    public String toString() {
        String where = line > 0 ? file + ":" + line : file;
        String sentence = what.endsWith(".") || what.endsWith("?") ? what : what + ".";
        return where + ": " + sentence + " Fix: " + fix;
    }
}
