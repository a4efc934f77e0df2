package dev.pgsteer.proxy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A container health check that needs nothing but the JRE: asks a pgsteer's {@code /health/ready}
 * and exits 0 when it answers 200, 1 otherwise (the Dockerfile's HEALTHCHECK runs it).
 * {@code java -cp pgsteer.jar dev.pgsteer.proxy.HealthProbe [URL]}: the image and the README name it
 * by this full name, so it stays the one class of the root package.
 */
public final class HealthProbe {
    static final String DEFAULT_URL = "http://127.0.0.1:9930/health/ready";

    private HealthProbe() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : DEFAULT_URL;
        int status = probe(url, Duration.ofSeconds(3));
        System.exit(status == 200 ? 0 : 1);
    }

    /** The HTTP status of {@code url}, or -1 when it cannot be reached; what it said goes to stdout. */
    static int probe(String url, Duration timeout) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(response.statusCode() + " " + response.body());
            return response.statusCode();
        } catch (IOException e) {
            System.out.println("cannot reach " + url + ": " + e);
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
