package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthProbeTest {

    @Test
    void tellsTheStatusOfTheEndpointAndMinusOneWhenNothingAnswers() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health/ready", exchange -> {
            byte[] body = "{\"status\":\"not ready\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/health/live", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertEquals(503, HealthProbe.probe(base + "/health/ready", Duration.ofSeconds(2)));
            assertEquals(200, HealthProbe.probe(base + "/health/live", Duration.ofSeconds(2)));
        } finally {
            server.stop(0);
        }
        assertEquals(-1, HealthProbe.probe("http://127.0.0.1:1/health/ready", Duration.ofSeconds(2)));
    }
}
