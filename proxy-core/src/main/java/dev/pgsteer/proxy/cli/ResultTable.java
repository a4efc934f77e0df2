package dev.pgsteer.proxy.cli;

import java.util.ArrayList;
import java.util.List;

/** A result as psql prints it: a header, a rule, the rows aligned, then {@code (n rows)}; NULL prints empty. */
record ResultTable(List<String> columns, List<List<String>> rows) {

    String render() {
        int[] width = new int[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            width[i] = columns.get(i).length();
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], text(row.get(i)).length());
            }
        }
        StringBuilder out = new StringBuilder();
        List<String> header = new ArrayList<>();
        List<String> rule = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            String name = columns.get(i);
            int left = (width[i] - name.length()) / 2;
            header.add(" ".repeat(left) + name + " ".repeat(width[i] - name.length() - left));
            rule.add("-".repeat(width[i]));
        }
        out.append(' ').append(String.join(" | ", header).stripTrailing()).append('\n');
        out.append('-').append(String.join("-+-", rule)).append("-\n");
        for (List<String> row : rows) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                String cell = text(row.get(i));
                cells.add(cell + " ".repeat(width[i] - cell.length()));
            }
            out.append(' ').append(String.join(" | ", cells).stripTrailing()).append('\n');
        }
        out.append('(').append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)").append('\n');
        return out.toString();
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }
}
