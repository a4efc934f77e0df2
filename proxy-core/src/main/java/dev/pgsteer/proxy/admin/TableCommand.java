package dev.pgsteer.proxy.admin;

import java.util.List;

/**
 * A console command whose name, help line and columns are fixed: what every SHOW view has, given
 * once to the constructor instead of three methods in each view.
 */
abstract class TableCommand implements AdminCommand {
    private final String name;
    private final String description;
    private final List<Column> columns;

    TableCommand(String name, String description, List<Column> columns) {
        this.name = name;
        this.description = description;
        this.columns = List.copyOf(columns);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final List<Column> columns() {
        return columns;
    }
}
