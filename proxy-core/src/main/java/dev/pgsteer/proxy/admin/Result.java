package dev.pgsteer.proxy.admin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A console command's answer: its columns, its rows and its command tag ({@code SHOW}, or {@code SET}
 * for a statement without rows). A value is a {@code String}, a {@code Long} (INT8), a {@code Boolean}
 * (BOOL) or null.
 */
public record Result(List<Column> columns, List<List<Object>> rows, String tag) {

    public Result {
        columns = List.copyOf(columns);
        List<List<Object>> copied = new ArrayList<>();
        for (List<Object> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("a row of " + row.size() + " values for " + columns.size() + " columns");
            }
            copied.add(Collections.unmodifiableList(new ArrayList<>(row)));
        }
        rows = Collections.unmodifiableList(copied);
        Objects.requireNonNull(tag, "tag");
    }

    /** A statement without rows, like the SET the console accepts and ignores. */
    public static Result noRows(String tag) {
        return new Result(List.of(), List.of(), tag);
    }

    public boolean hasRows() {
        return !columns.isEmpty();
    }

    /** Builds a SHOW result row by row. */
    static final class Builder {
        private final List<Column> columns;
        private final List<List<Object>> rows = new ArrayList<>();

        Builder(List<Column> columns) {
            this.columns = columns;
        }

        Builder row(Object... values) {
            rows.add(Arrays.asList(values));
            return this;
        }

        Result build() {
            return build("SHOW");
        }

        Result build(String tag) {
            return new Result(columns, rows, tag);
        }
    }
}
