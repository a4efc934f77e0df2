package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.server.Transport;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.PgjdbcWorkload;
import io.netty.util.ResourceLeakDetector;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fifty JDBC clients over a pool of five for twenty seconds, preparing the same and different
 * statements in every pgjdbc mode and interleaving their transactions: every round of every client
 * must observe exactly what a lone client observes straight from PostgreSQL, with no error.
 */
class PoolingSoakIT {
    static final int CLIENTS = 50;
    static final long SECONDS = 20;
    static final String[] MODES = {
        "prepareThreshold=1", "prepareThreshold=0", "prepareThreshold=5",
        "prepareThreshold=1&preferQueryMode=extendedCacheEverything", "preferQueryMode=simple",
    };

    static EmbeddedBackend backend;
    static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(backend.proxyConfig("mode: transaction, size: 5, acquire_timeout: 30s")).start();
        try (Connection c = backend.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id serial PRIMARY KEY, owner int, label text, price numeric(10,2))");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    @Test
    void fiftyClientsOverFiveConnectionsForTwentySeconds() throws Exception {
        soak(SECONDS);
    }

    /**
     * The suite samples every buffer for leaks, and a sampled slice is written alone; in production
     * nothing is sampled, and frames that follow each other in one read are joined into one write
     * (SliceJoiner). This run is the production path.
     */
    @Test
    void theSameWithFramesJoinedAsInProduction() throws Exception {
        ResourceLeakDetector.Level suiteLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            soak(SECONDS / 2);
        } finally {
            ResourceLeakDetector.setLevel(suiteLevel);
        }
    }

    /**
     * The suite relays over the best transport this machine offers (io_uring here); the others serve
     * where the kernel or a container refuses it, and must relay the same.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void theSameOverTheFallbackTransports(String name) throws Exception {
        Transport transport = Transport.chosen(name);
        assumeTrue(transport.name().equals(name), () -> name + " is unavailable here: " + transport.fallbackReason());
        PgSteerServer other = new PgSteerServer(backend.proxyConfig("mode: transaction, size: 5, acquire_timeout: 30s"))
                .transport(transport).start();
        try {
            soak(other, SECONDS / 4);
        } finally {
            other.close();
        }
    }

    private void soak(long seconds) throws Exception {
        soak(proxy, seconds);
    }

    private void soak(PgSteerServer proxy, long seconds) throws Exception {
        List<List<String>> expected = new ArrayList<>();
        for (String mode : MODES) {
            try (Connection c = PgjdbcWorkload.connect(backend.port(), mode)) {
                expected.add(PgjdbcWorkload.run(c, 1));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<Integer>> clients = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                int id = client;
                clients.add(threads.submit(() -> {
                    int rounds = 0;
                    String mode = MODES[id % MODES.length];
                    try (Connection c = PgjdbcWorkload.connect(proxy.address().getPort(), "socketTimeout=60&" + mode)) {
                        while (System.nanoTime() < deadline) {
                            assertEquals(expected.get(id % MODES.length), PgjdbcWorkload.run(c, 1000 + id),
                                    "client " + id + " (" + mode + ") round " + rounds);
                            rounds++;
                        }
                    }
                    return rounds;
                }));
            }
            int total = 0;
            for (Future<Integer> client : clients) {
                int rounds = client.get(seconds + 90, TimeUnit.SECONDS);
                assertTrue(rounds > 0, "every client completed at least one round");
                total += rounds;
            }
            System.out.println("PoolingSoakIT: " + total + " rounds by " + CLIENTS + " clients over 5 connections");
        } finally {
            threads.shutdownNow();
        }
    }
}
