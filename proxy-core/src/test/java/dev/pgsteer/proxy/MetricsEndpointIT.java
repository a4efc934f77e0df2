package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * /metrics scraped over HTTP while pgjdbc works through pgsteer, on a single-backend database
 * (appdb) and a sharded one (shop, three shards); /health/ready follows a backend going away and
 * coming back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsEndpointIT {
    static EmbeddedBackend main;
    static final List<EmbeddedBackend> shards = new ArrayList<>();
    static PgSteerServer proxy;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        main = EmbeddedBackend.start();
        for (int i = 0; i < 3; i++) {
            shards.add(EmbeddedBackend.shard());
        }
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  app: { password: "%s" }
                backends:
                  main: { url: "%s" }
                  s0: { url: "%s" }
                  s1: { url: "%s" }
                  s2: { url: "%s" }
                databases:
                  appdb: { shards: [main], pool: { size: 2 } }
                  shop:
                    shards: [s0, s1, s2]
                    backend_database: appdb
                    pool: { size: 2 }
                    tables:
                      orders: { key: customer_id, function: hash, type: integer }
                """.formatted(EmbeddedBackend.PASSWORD, main.url(), shards.get(0).url(), shards.get(1).url(), shards.get(2).url());
        proxy = new PgSteerServer(ConfigLoader.parse(yaml, "metrics.yaml", Map.of()), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                .decisionLog(java.nio.file.Files.createTempDirectory("pgsteer-metrics").resolve("decisions.log"))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        main.close();
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
    }

    static Connection connect(String database) throws SQLException {
        return Pgjdbc.connect(proxy, database, "socketTimeout=30");
    }

    static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + proxy.httpAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The sum of the samples of {@code name} whose labels include every {@code label="value"} given. */
    static double sample(String scrape, String name, String... labels) {
        double sum = 0;
        boolean found = false;
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            String labelPart = line.contains("{") ? line.substring(line.indexOf('{'), line.lastIndexOf('}') + 1) : "";
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= labelPart.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                found = true;
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        assertTrue(found, () -> "no sample " + name + " " + List.of(labels) + " in:\n" + scrape);
        return sum;
    }

    static String scrape() throws Exception {
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return response.body();
    }

    @Test
    @Order(1)
    void liveAndReadyWhileEverythingIsUp() throws Exception {
        assertEquals(200, get("/health/live").statusCode());
        HttpResponse<String> ready = awaitReady(200);
        assertTrue(ready.body().contains("\"appdb\":\"ready\""), ready.body());
        assertEquals(404, get("/nothing-here").statusCode());
    }

    @Test
    @Order(2)
    void singleBackendStatementsErrorsBytesAndPoolsAreCounted() throws Exception {
        double before = sampleOrZero("pgsteer_statements_seconds_count", "database", "appdb", "route", "unparsed");
        try (Connection c = connect("appdb"); Statement s = c.createStatement()) {
            for (int i = 0; i < 20; i++) {
                try (ResultSet rs = s.executeQuery("SELECT " + i)) {
                    assertTrue(rs.next());
                }
            }
            try {
                s.execute("SELECT * FROM no_such_table");
            } catch (SQLException e) {
                assertEquals("42P01", e.getSQLState());
            }
            String scrape = scrape();
            assertTrue(sample(scrape, "pgsteer_statements_seconds_count", "database", "appdb", "route", "unparsed") - before >= 21);
            assertTrue(sample(scrape, "pgsteer_statements_seconds_bucket", "database", "appdb", "route", "unparsed", "le", "+Inf") >= 21);
            assertEquals(1, sample(scrape, "pgsteer_client_errors_total", "database", "appdb", "class", "42"));
            assertTrue(sample(scrape, "pgsteer_client_received_bytes_total", "database", "appdb") > 20 * 10);
            assertTrue(sample(scrape, "pgsteer_client_sent_bytes_total", "database", "appdb") > 20 * 10);
            assertTrue(sample(scrape, "pgsteer_pool_connections", "backend", "main", "backend_database", "appdb") >= 1);
            sample(scrape, "pgsteer_pool_idle", "backend", "main");
            sample(scrape, "pgsteer_pool_active", "backend", "main");
            assertEquals(0, sample(scrape, "pgsteer_pool_waiting", "backend", "main"));
            assertEquals(0, sample(scrape, "pgsteer_pool_acquire_timeouts_total", "backend", "main"));
            assertTrue(sample(scrape, "pgsteer_clients_active") >= 1);
            assertTrue(sample(scrape, "pgsteer_clients_accepted_total") >= 1);
            assertEquals(1, sample(scrape, "pgsteer_backend_up", "backend", "main"));
        }
    }

    @Test
    @Order(3)
    void shardedStatementsAreCountedByRouteKindAndThePlanCacheByHitsAndMisses() throws Exception {
        try (Connection c = connect("shop"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint, customer_id bigint, total numeric)");   // every shard
            // Two customers on different shards, as pgsteer itself places them.
            Map<String, Integer> customerOf = new java.util.LinkedHashMap<>();
            for (int customer = 1; customerOf.size() < 2; customer++) {
                try (ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = " + customer)) {
                    assertTrue(rs.next());
                    customerOf.putIfAbsent(rs.getString(1), customer);
                }
            }
            List<Integer> customers = List.copyOf(customerOf.values());
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO orders (id, customer_id, total) VALUES (?, ?, 10)")) {
                for (int i = 0; i < 10; i++) {
                    insert.setInt(1, i);
                    insert.setInt(2, customers.get(i % 2));
                    insert.executeUpdate();                                                       // one shard each
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {                  // every shard, merged
                assertTrue(rs.next());
                assertEquals(10, rs.getInt(1));
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE customer_id IN ("
                    + customers.get(0) + ", " + customers.get(1) + ")")) {                       // two of three shards
                assertTrue(rs.next());
                assertEquals(10, rs.getInt(1));
            }
        }
        try (Connection c = Pgjdbc.connect(proxy, "shop", "socketTimeout=30", "preferQueryMode=simple");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(DISTINCT id) FROM orders")) {
            assertTrue(rs.next());                                                                // the coordinator step
            assertEquals(10, rs.getInt(1));
        }
        String scrape = scrape();
        assertTrue(sample(scrape, "pgsteer_statements_seconds_count", "database", "shop", "route", "one_shard") >= 10);
        assertTrue(sample(scrape, "pgsteer_statements_seconds_count", "database", "shop", "route", "broadcast") >= 2);
        assertTrue(sample(scrape, "pgsteer_statements_seconds_count", "database", "shop", "route", "multi_shard") >= 1);
        assertEquals(1, sample(scrape, "pgsteer_statements_seconds_count", "database", "shop", "route", "coordinator"));
        // Two shards besides the coordinator, each pull with 21 bytes of COPY header and trailer.
        assertTrue(sample(scrape, "pgsteer_coordinator_pulled_bytes_total", "database", "shop") >= 2 * 21);
        assertTrue(sample(scrape, "pgsteer_coordinator_pulled_rows_total", "database", "shop") <= 10);
        assertTrue(sample(scrape, "pgsteer_plan_cache_hits_total", "database", "shop") >= 9, "the INSERT's shape is planned once");
        assertTrue(sample(scrape, "pgsteer_plan_cache_misses_total", "database", "shop") >= 3);
        assertTrue(sample(scrape, "pgsteer_plan_cache_size", "database", "shop") >= 3);
        for (String shard : List.of("s0", "s1", "s2")) {
            assertTrue(sample(scrape, "pgsteer_pool_connections", "backend", shard, "backend_database", "appdb") >= 1);
            assertEquals(1, sample(scrape, "pgsteer_backend_up", "backend", shard));
        }
        assertTrue(sample(scrape, "pgsteer_client_sent_bytes_total", "database", "shop") > 0);
    }

    @Test
    @Order(4)
    void readinessFollowsABackendGoingAwayAndComingBack() throws Exception {
        int port = main.port();
        main.close();
        HttpResponse<String> notReady = awaitReady(503);
        assertTrue(notReady.body().contains("\"appdb\":\"not ready: no backend reachable (main)\""), notReady.body());
        assertTrue(notReady.body().contains("\"shop\":\"ready\""), notReady.body());
        assertEquals(0, sample(scrape(), "pgsteer_backend_up", "backend", "main"));
        assertEquals(200, get("/health/live").statusCode());

        main = EmbeddedBackend.start(port);
        awaitReady(200);
        try (Connection c = connect("appdb"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }

    @Test
    @Order(5)
    void anHttpPortInUseStopsTheStartWithTheAddressAndTheFix() {
        dev.pgsteer.config.ProxyConfig taken = main.proxyConfig("size: 1")
                .withHttp(new dev.pgsteer.config.ListenAddress("127.0.0.1", proxy.httpAddress().getPort()));
        PgSteerServer second = new PgSteerServer(taken);
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.pgsteer.proxy.server.HttpEndpoint.CannotListenException.class,
                second::start);
        assertTrue(e.getMessage().startsWith("cannot listen for HTTP (metrics and health) on 127.0.0.1:"
                + proxy.httpAddress().getPort()), e.getMessage());
        assertTrue(e.getMessage().contains("--http off"), e.getMessage());
    }

    static HttpResponse<String> awaitReady(int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<String> response;
        do {
            response = get("/health/ready");
            if (response.statusCode() == status) {
                return response;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertEquals(status, response.statusCode(), response.body());
        return response;
    }

    static double sampleOrZero(String name, String... labels) throws Exception {
        String scrape = scrape();
        return scrape.contains(name + "{") ? sampleIfPresent(scrape, name, labels) : 0;
    }

    private static double sampleIfPresent(String scrape, String name, String... labels) {
        try {
            return sample(scrape, name, labels);
        } catch (AssertionError e) {
            return 0;
        }
    }
}
