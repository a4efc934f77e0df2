import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The to-do and shop application of examples/sqlalchemy, in plain JDBC with HikariCP in front of
 * pgsteer (a pool on the application side; pgsteer pools again toward PostgreSQL).
 *
 * <pre>
 * java -cp 'proxy-core/target/lib/*' examples/jdbc/Example.java tenant-per-database JDBC_URL TENANT...
 * java -cp 'proxy-core/target/lib/*' examples/jdbc/Example.java shared-rls JDBC_URL TENANT...
 * java -cp 'proxy-core/target/lib/*' examples/jdbc/Example.java sharded JDBC_URL
 * </pre>
 *
 * No code here picks a database, a schema or a shard. Every check throws; the exit status says.
 */
public class Example {
    public static void main(String[] args) throws Exception {
        String variant = args[0];
        String url = args[1];
        List<String> tenants = List.of(args).subList(2, args.length);
        switch (variant) {
            case "tenant-per-database" -> tenancy(url, tenants, false);
            case "shared-rls" -> tenancy(url, tenants, true);
            case "sharded" -> sharded(url);
            default -> throw new IllegalArgumentException("unknown variant " + variant);
        }
        System.out.println(variant + ": OK");
    }

    /** Recipe: a DataSource per tenant. Here: one URL; the pools differ only by the startup option. */
    static HikariDataSource pool(String url, String tenant) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("demo");
        config.setPassword("demo");
        config.setMaximumPoolSize(3);
        config.setAutoCommit(false);
        config.setPoolName(tenant == null ? "shop" : "tenant-" + tenant);
        if (tenant != null) {
            config.addDataSourceProperty("options", "-c pgsteer.tenant=" + tenant);
        }
        return new HikariDataSource(config);
    }

    static void tenancy(String url, List<String> tenants, boolean shared) throws SQLException {
        Map<String, HikariDataSource> pools = new LinkedHashMap<>();
        try {
            for (String tenant : tenants) {
                pools.put(tenant, pool(url, tenant));
            }
            // With shared tables, the tables and their row-level security were made by the operator
            // (shared-tables.sql, run by run.sh with MIGRATE in the admin console): pgsteer refuses
            // row-level-security DDL from a tenant's session.
            for (var entry : pools.entrySet()) {
                exercise(entry.getValue(), entry.getKey(), shared);
            }
            if (shared) {
                for (var entry : pools.entrySet()) {
                    try (Connection c = entry.getValue().getConnection(); Statement s = c.createStatement();
                         ResultSet rows = s.executeQuery("SELECT DISTINCT tenant_id FROM todo_items")) {
                        List<String> owners = new ArrayList<>();
                        while (rows.next()) {
                            owners.add(rows.getString(1));
                        }
                        check(owners.equals(List.of(entry.getKey())), "tenant " + entry.getKey() + " sees rows of " + owners);
                        c.commit();
                    }
                }
                System.out.println("shared-rls: each of " + tenants + " sees only its own rows");
            }
        } finally {
            pools.values().forEach(HikariDataSource::close);
        }
    }

    static void exercise(HikariDataSource pool, String tenant, boolean shared) throws SQLException {
        try (Connection c = pool.getConnection()) {
            if (!shared) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS todo_lists (id serial PRIMARY KEY, name text NOT NULL)");
                    s.execute("CREATE TABLE IF NOT EXISTS todo_items (id serial PRIMARY KEY, "
                            + "list_id int NOT NULL REFERENCES todo_lists, title text NOT NULL, done boolean NOT NULL DEFAULT false)");
                }
                c.commit();
            }
            int listId;
            try (PreparedStatement list = c.prepareStatement("INSERT INTO todo_lists (name) VALUES (?) RETURNING id")) {
                list.setString(1, tenant + " groceries");
                try (ResultSet rows = list.executeQuery()) {
                    rows.next();
                    listId = rows.getInt(1);
                }
            }
            try (PreparedStatement item = c.prepareStatement("INSERT INTO todo_items (list_id, title) VALUES (?, ?)")) {
                for (String title : List.of("milk", "bread")) {
                    item.setInt(1, listId);
                    item.setString(2, tenant + " " + title);
                    item.addBatch();
                }
                item.executeBatch();
                Savepoint savepoint = c.setSavepoint();
                item.setInt(1, listId);
                item.setString(2, tenant + " never");
                item.executeUpdate();
                c.rollback(savepoint);
            }
            c.commit();
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO todo_lists (name) VALUES ('" + tenant + " rolled back')");
            }
            c.rollback();
            try (PreparedStatement done = c.prepareStatement(
                    "UPDATE todo_items SET done = true WHERE id = (SELECT min(id) FROM todo_items WHERE list_id = ?)")) {
                done.setInt(1, listId);
                check(done.executeUpdate() == 1, "one item marked done");
            }
            c.commit();

            List<String> lists = strings(c, "SELECT name FROM todo_lists ORDER BY id");
            check(lists.equals(List.of(tenant + " groceries")), "tenant " + tenant + " sees lists " + lists);
            List<String> items = strings(c, "SELECT i.title FROM todo_items i JOIN todo_lists l ON l.id = i.list_id ORDER BY i.id");
            check(items.equals(List.of(tenant + " milk", tenant + " bread")), "tenant " + tenant + " sees items " + items);
            List<String> done = strings(c, "SELECT count(*) FROM todo_items WHERE done");
            c.commit();
            System.out.println(tenant + ": lists " + lists + ", items " + items + ", done " + done.get(0));
        }
    }

    /** Recipe: a DataSource per shard and a directory of who lives where. Here: one pool. */
    static void sharded(String url) throws SQLException {
        long base = 800_000;
        List<Long> ids = new ArrayList<>();
        for (long i = 1; i <= 6; i++) {
            ids.add(base + i);
        }
        try (HikariDataSource pool = pool(url, null); Connection c = pool.getConnection()) {
            try (PreparedStatement orders = c.prepareStatement("DELETE FROM orders WHERE customer_id = ?");
                 PreparedStatement customers = c.prepareStatement("DELETE FROM customers WHERE id = ?")) {
                for (long id : ids) {   // leftovers of an earlier run, by key
                    orders.setLong(1, id);
                    orders.executeUpdate();
                    customers.setLong(1, id);
                    customers.executeUpdate();
                }
            }
            c.commit();
            int productId = Integer.parseInt(strings(c, "SELECT min(id) FROM products").get(0));
            // Every customer with its orders in one transaction: several shards, two-phase commit.
            try (PreparedStatement customer = c.prepareStatement("INSERT INTO customers (id, name, region) VALUES (?, ?, 'eu')");
                 PreparedStatement order = c.prepareStatement(
                         "INSERT INTO orders (id, customer_id, product_id, amount, ordered_at) VALUES (?, ?, ?, ?, current_date)")) {
                for (int n = 0; n < ids.size(); n++) {
                    customer.setLong(1, ids.get(n));
                    customer.setString(2, "example customer " + n);
                    customer.executeUpdate();
                    for (int o = 1; o <= 2; o++) {
                        order.setLong(1, o);
                        order.setLong(2, ids.get(n));
                        order.setInt(3, productId);
                        order.setBigDecimal(4, o == 1 ? new BigDecimal("10.50").multiply(BigDecimal.valueOf(n + 1)) : new BigDecimal("1.00"));
                        order.addBatch();
                    }
                    order.executeBatch();
                }
            }
            // Before the commit: the report sees this transaction's own orders, on three shards.
            report(c, base, ids.size());
            c.commit();
            try (PreparedStatement byCustomer = c.prepareStatement(
                    "SELECT o.amount, p.name FROM orders o JOIN products p ON p.id = o.product_id WHERE o.customer_id = ? ORDER BY o.id")) {
                for (int n = 0; n < ids.size(); n++) {
                    byCustomer.setLong(1, ids.get(n));
                    List<BigDecimal> amounts = new ArrayList<>();
                    try (ResultSet rows = byCustomer.executeQuery()) {
                        while (rows.next()) {
                            amounts.add(rows.getBigDecimal(1));
                        }
                    }
                    check(amounts.equals(List.of(new BigDecimal("10.50").multiply(BigDecimal.valueOf(n + 1)), new BigDecimal("1.00"))),
                            "customer " + ids.get(n) + " has amounts " + amounts);
                }
            }
            String in = ids.toString().replace('[', '(').replace(']', ')');
            String total = strings(c, "SELECT sum(amount) FROM orders WHERE customer_id IN " + in).get(0);
            check(total.equals("226.50"), "total " + total);
            List<String> top = strings(c, "SELECT id FROM customers WHERE id BETWEEN " + base + " AND " + (base + 999) + " ORDER BY id DESC LIMIT 3");
            check(top.equals(List.of("800006", "800005", "800004")), "top " + top);
            List<String> perCustomer = strings(c, "SELECT count(*) FROM orders WHERE customer_id IN " + in + " GROUP BY customer_id");
            check(perCustomer.equals(List.of("2", "2", "2", "2", "2", "2")), "per customer " + perCustomer);
            TreeSet<String> shards = new TreeSet<>();
            for (long id : ids) {
                shards.add(strings(c, "EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = " + id).get(0));
            }
            c.commit();
            check(shards.size() > 1, "the customers should land on more than one shard");
            System.out.println("sharded: " + ids.size() + " customers with 2 orders each, on shards " + shards + "; total " + total);
        }
    }

    /**
     * A report pgsteer cannot merge row by row: each customer's share of the revenue, a window
     * function over the aggregates of every shard (sum(sum(amount)) OVER ()). pgsteer answers it with
     * its coordinator step: inside this transaction it pulls the rows over the transaction's own shard
     * connections (so its uncommitted orders are seen), and PostgreSQL runs the statement, with its
     * parameters, on one shard. The answer is checked against one computed here from the rows written.
     */
    static void report(Connection c, long base, int customers) throws SQLException {
        String sql = """
                SELECT c.name, count(*) AS order_count, sum(o.amount) AS revenue,
                       round(100 * sum(o.amount) / sum(sum(o.amount)) OVER (), 1) AS share_percent
                FROM customers c JOIN orders o ON o.customer_id = c.id
                WHERE o.customer_id BETWEEN ? AND ?
                GROUP BY c.id, c.name
                ORDER BY revenue DESC, c.name
                LIMIT ?""";
        List<String> got = new ArrayList<>();
        try (PreparedStatement report = c.prepareStatement(sql)) {
            report.setLong(1, base + 1);
            report.setLong(2, base + 999);
            report.setInt(3, 3);
            try (ResultSet rows = report.executeQuery()) {
                while (rows.next()) {
                    got.add(rows.getString("name") + ": " + rows.getLong("order_count") + " orders, "
                            + rows.getBigDecimal("revenue").toPlainString() + ", " + rows.getBigDecimal("share_percent").toPlainString() + "%");
                }
            }
        }
        // What one PostgreSQL gives for the rows written above: customer n has 10.50 * (n + 1) and 1.00.
        List<BigDecimal> revenues = new ArrayList<>();
        for (int n = 0; n < customers; n++) {
            revenues.add(new BigDecimal("10.50").multiply(BigDecimal.valueOf(n + 1)).add(new BigDecimal("1.00")));
        }
        BigDecimal total = revenues.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        List<String> expected = new ArrayList<>();
        for (int n = customers - 1; n >= customers - 3; n--) {   // the largest revenues: the last customers
            BigDecimal share = revenues.get(n).multiply(BigDecimal.valueOf(100)).divide(total, 20, RoundingMode.HALF_UP)
                    .setScale(1, RoundingMode.HALF_UP);
            expected.add("example customer " + n + ": 2 orders, " + revenues.get(n).toPlainString() + ", " + share.toPlainString() + "%");
        }
        check(got.equals(expected), "revenue share: got " + got + ", expected " + expected);

        System.out.println("sharded: EXPLAIN ROUTE of the report");
        try (PreparedStatement explain = c.prepareStatement("EXPLAIN ROUTE " + sql)) {
            explain.setLong(1, base + 1);
            explain.setLong(2, base + 999);
            explain.setInt(3, 3);
            try (ResultSet rows = explain.executeQuery()) {
                boolean first = true;
                while (rows.next()) {
                    check(!first || rows.getString("answer").equals("coordinator"), "the report should need the coordinator step");
                    first = false;
                    System.out.println("  " + rows.getString("shards") + " | " + rows.getString("answer") + " | "
                            + String.join(" ", rows.getString("reason").trim().split("\\s+")));
                }
            }
        }
        System.out.println("sharded: revenue share, in the transaction that wrote the orders: " + String.join("; ", got));
    }

    static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
            while (rows.next()) {
                out.add(rows.getString(1));
            }
        }
        return out;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
