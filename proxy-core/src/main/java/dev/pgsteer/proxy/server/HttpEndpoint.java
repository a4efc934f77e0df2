package dev.pgsteer.proxy.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pgsteer.config.ListenAddress;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} (Prometheus text format), {@code /health/live} and {@code /health/ready}.
 *
 * <p>Served by the JDK's own {@code com.sun.net.httpserver} on one daemon thread, not on the
 * proxy's Netty event loops: a scrape walks every meter and a slow scraper holds its socket, and
 * neither should ever delay a relayed frame. Scrapes come every few seconds, so one thread is
 * plenty, and the JDK server needs no codec handlers and no dependency. The same thread runs the
 * readiness probe, so the endpoint adds exactly one thread to the proxy.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
    /** How often the backends are probed for {@code /health/ready}. */
    static final long PROBE_EVERY_MILLIS = 2000;

    /** The address is taken or cannot be bound: pgsteer stops and says which address and what to do. */
    public static final class CannotListenException extends RuntimeException {
        CannotListenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final HttpServer server;
    private final ScheduledExecutorService thread;

    private HttpEndpoint(HttpServer server, ScheduledExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    public static HttpEndpoint start(ListenAddress address, PrometheusMeterRegistry registry, Readiness readiness) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "pgsteer-http");
            t.setDaemon(true);
            return t;
        });
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
        } catch (IOException | RuntimeException e) {
            thread.shutdownNow();
            throw new CannotListenException("cannot listen for HTTP (metrics and health) on " + address + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + ". Fix: free that port, choose another with http: HOST:PORT in the file or --http HOST:PORT, "
                    + "or turn the endpoint off with http: off / --http off", e);
        }
        server.setExecutor(thread);
        server.createContext("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        server.createContext("/health/live", exchange -> respond(exchange, 200, "application/json", "{\"status\":\"live\"}"));
        server.createContext("/health/ready", exchange -> {
            Readiness.Report report = readiness.report();
            respond(exchange, report.ready() ? 200 : 503, "application/json", report.json());
        });
        server.createContext("/", exchange -> respond(exchange, 404, "text/plain; charset=utf-8",
                "not found; try /metrics, /health/live or /health/ready\n"));
        server.start();
        thread.execute(readiness::probe);
        thread.scheduleWithFixedDelay(() -> {
            try {
                readiness.probe();
            } catch (RuntimeException e) {
                log.warn("readiness probe failed", e);
            }
        }, PROBE_EVERY_MILLIS, PROBE_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        return new HttpEndpoint(server, thread);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
