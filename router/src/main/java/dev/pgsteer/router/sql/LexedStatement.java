package dev.pgsteer.router.sql;

import java.util.List;
import java.util.Map;

/**
 * One statement as the lexer saw it. {@code shape} is the text with every literal replaced by a
 * placeholder {@code $k} (numbered after the statement's own parameters) and comments removed, so
 * statements that differ only in their constants share a shape and a cached plan; {@code literals}
 * holds the replaced values in order, as text (quotes and escapes resolved), and {@code rawLiterals}
 * the same as written, to put back into a rewritten statement. {@code hints} are the
 * {@code name=value} pairs of routing comments at the head ({@code /* shard=s1 *}{@code /}).
 */
public record LexedStatement(String text, String shape, List<String> literals, List<String> rawLiterals,
        int parameterCount, Map<String, String> hints, String firstKeyword) {

    public LexedStatement {
        literals = List.copyOf(literals);
        rawLiterals = List.copyOf(rawLiterals);
        hints = Map.copyOf(hints);
    }

    /** The placeholder number of literal {@code index} in the shape. */
    public int placeholderOf(int index) {
        return parameterCount + index + 1;
    }

    /** Whether the statement holds nothing but whitespace and comments. */
    public boolean isEmpty() {
        return firstKeyword.isEmpty();
    }
}
