package dev.pgsteer.router.plan;

/** Where a shard key's value comes from in a statement: a placeholder of its shape, a constant, or NULL. */
public sealed interface ValueRef {

    /** {@code $n}: a Bind parameter, or a literal the lexer took out of the text. */
    record Placeholder(int number) implements ValueRef {
    }

    /** A constant left in the analysed text (when the original text, not the shape, was parsed). */
    record Constant(String text) implements ValueRef {
    }

    /** SQL NULL: matches no shard (a NULL key equals nothing). */
    record Null() implements ValueRef {
    }
}
