package dev.pgsteer.proxy.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The demo's tables, and its rows, loaded through pgsteer itself on the first start (so the rows land
 * where the shard map puts them): 1,000 customers and 3,000 orders hashed by customer, stores listed
 * by region, products as a reference table on every shard, and support tickets of four tenants placed
 * by the directory: {@code umbrella}, the big one, assigned to s2 on the admin console, the others
 * (not in the directory) hashed.
 */
public final class DemoData {
    private static final String[] REGIONS = {"eu", "us", "apac"};
    private static final String[] CITIES = {"Lisbon", "Berlin", "Oslo", "Boston", "Austin", "Toronto", "Tokyo", "Sydney", "Pune"};

    private DemoData() {
    }

    /** The demo's tables, created on every shard before pgsteer starts, so its check of the shard map finds them. */
    static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, name text NOT NULL, region text NOT NULL)",
            "CREATE TABLE IF NOT EXISTS orders (id bigint NOT NULL, customer_id bigint NOT NULL, product_id int NOT NULL, "
                    + "amount numeric(10,2) NOT NULL, ordered_at date NOT NULL, PRIMARY KEY (customer_id, id))",
            "CREATE TABLE IF NOT EXISTS stores (id int, region text NOT NULL, city text NOT NULL, PRIMARY KEY (region, id))",
            "CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL)",
            "CREATE TABLE IF NOT EXISTS tickets (tenant text NOT NULL, id int NOT NULL, subject text NOT NULL, "
                    + "PRIMARY KEY (tenant, id))");

    /** The demo's tenants with tickets; the first is placed on a shard of its choosing through the directory. */
    private static final String[] TENANTS = {"umbrella", "acme", "globex", "initech"};

    /** Fills the demo tables through pgsteer unless they hold rows already. Returns whether it did. */
    public static boolean loadIfMissing(String host, int port) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + EmbeddedDefault.DATABASE
                + "?preferQueryMode=simple", EmbeddedDefault.USER, EmbeddedDefault.PASSWORD);
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM products")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return false;
                }
            }
            Random random = new Random(42);
            StringBuilder products = new StringBuilder("INSERT INTO products (id, name, price) VALUES ");
            for (int p = 1; p <= 20; p++) {
                products.append(p > 1 ? ", " : "").append(String.format(Locale.ROOT, "(%d, 'product %d', %d.%02d)",
                        p, p, 5 + random.nextInt(95), random.nextInt(100)));
            }
            s.execute(products.toString());
            StringBuilder stores = new StringBuilder("INSERT INTO stores (id, region, city) VALUES ");
            for (int i = 1; i <= 30; i++) {
                int region = (i - 1) % 3;
                stores.append(i > 1 ? ", " : "").append("(").append(i).append(", '").append(REGIONS[region]).append("', '")
                        .append(CITIES[region * 3 + random.nextInt(3)]).append("')");
            }
            s.execute(stores.toString());
            for (int batch = 0; batch < 2; batch++) {
                StringBuilder customers = new StringBuilder("INSERT INTO customers (id, name, region) VALUES ");
                for (int i = 1; i <= 500; i++) {
                    int id = batch * 500 + i;
                    customers.append(i > 1 ? ", " : "").append("(").append(id).append(", 'customer ").append(id).append("', '")
                            .append(REGIONS[random.nextInt(3)]).append("')");
                }
                s.execute(customers.toString());
            }
            // The big tenant on a shard of its own choosing, before its rows arrive (the console moves no row).
            try (Connection console = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/pgsteer"
                    + "?preferQueryMode=simple", EmbeddedDefault.USER, EmbeddedDefault.PASSWORD);
                 Statement assign = console.createStatement()) {
                assign.execute("ASSIGN KEY '" + TENANTS[0] + "' OF tenants TO s2");
            }
            StringBuilder tickets = new StringBuilder("INSERT INTO tickets (tenant, id, subject) VALUES ");
            for (int i = 1; i <= 40; i++) {
                String tenant = TENANTS[i <= 16 ? 0 : i % TENANTS.length];
                tickets.append(i > 1 ? ", " : "").append("('").append(tenant).append("', ").append(i).append(", 'ticket ")
                        .append(i).append("')");
            }
            s.execute(tickets.toString());
            for (int batch = 0; batch < 6; batch++) {
                StringBuilder orders = new StringBuilder("INSERT INTO orders (id, customer_id, product_id, amount, ordered_at) VALUES ");
                for (int i = 1; i <= 500; i++) {
                    int id = batch * 500 + i;
                    orders.append(i > 1 ? ", " : "").append(String.format(Locale.ROOT, "(%d, %d, %d, %d.%02d, '%s')",
                            id, 1 + random.nextInt(1000), 1 + random.nextInt(20), 1 + random.nextInt(300), random.nextInt(100),
                            LocalDate.of(2025, 1, 1).plusDays(random.nextInt(365))));
                }
                s.execute(orders.toString());
            }
            return true;
        }
    }
}
