package dev.pgsteer.proxy.server;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Whether the proxy can serve: its listener is bound and every logical database has at least one
 * backend that accepts a TCP connection. {@link #probe} connects to each backend of the file (once
 * per backend, however many databases use it) and is run every few seconds off the event loops;
 * {@link #report} answers from the last probe, so a health check never waits on a backend.
 *
 * <p>A TCP connect proves the server is up and listening, not that pgsteer's login there works: a
 * wrong backend password still shows as ready, and clients get 08006 at login (see the README).
 */
public final class Readiness {
    /** How long one backend may take to accept the probe's connection. */
    static final int CONNECT_TIMEOUT_MILLIS = 1000;

    /** Replaced by a reload: the next probe and report use the new databases and backends. */
    private volatile ProxyConfig config;
    private final BooleanSupplier listening;
    private final Map<String, Boolean> up = new ConcurrentHashMap<>();
    private volatile boolean probed;

    public Readiness(ProxyConfig config, BooleanSupplier listening) {
        this.config = config;
        this.listening = listening;
        config.backends().keySet().forEach(name -> up.put(name, false));
    }

    /** A reload: probes the new configuration's backends from now on; returns the backends it did not know. */
    List<String> reconfigure(ProxyConfig newConfig) {
        List<String> added = new ArrayList<>();
        newConfig.backends().keySet().forEach(name -> {
            if (up.putIfAbsent(name, false) == null) {
                added.add(name);
            }
        });
        config = newConfig;
        return added;
    }

    /** Backends the databases use, in file order. */
    List<String> backendsInUse() {
        return backendsInUse(config);
    }

    private static List<String> backendsInUse(ProxyConfig config) {
        List<String> used = new ArrayList<>();
        config.databases().values().forEach(db -> db.shards().stream().filter(s -> !used.contains(s)).forEach(used::add));
        return used;
    }

    /** Connects to every backend in use; blocking, up to a second each: run it off the event loops. */
    public void probe() {
        ProxyConfig config = this.config;
        for (String name : backendsInUse(config)) {
            BackendConfig backend = config.backends().get(name);
            up.put(name, reachable(backend.url().host(), backend.url().port()));
        }
        probed = true;
    }

    static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    public boolean up(String backend) {
        return up.getOrDefault(backend, false);
    }

    /** The answer of {@code /health/ready}: ready or not, and a line per database saying why. */
    public Report report() {
        ProxyConfig config = this.config;
        Map<String, String> databases = new LinkedHashMap<>();
        boolean ready = listening.getAsBoolean() && probed;
        for (DatabaseConfig db : config.databases().values()) {
            List<String> reachable = db.shards().stream().filter(this::up).toList();
            List<String> down = db.shards().stream().filter(s -> !up(s)).toList();
            if (reachable.isEmpty()) {
                ready = false;
                databases.put(db.name(), "not ready: no backend reachable (" + String.join(", ", down) + ")");
            } else {
                databases.put(db.name(), down.isEmpty() ? "ready" : "ready, but unreachable: " + String.join(", ", down));
            }
        }
        return new Report(ready, listening.getAsBoolean(), probed, databases);
    }

    public record Report(boolean ready, boolean listening, boolean probed, Map<String, String> databases) {
        /** A small JSON object: {"status":"ready","listener":"up","databases":{"shop":"ready",...}}. */
        public String json() {
            StringBuilder json = new StringBuilder("{\"status\":\"").append(ready ? "ready" : "not ready")
                    .append("\",\"listener\":\"").append(listening ? "up" : "down").append('"');
            if (!probed) {
                json.append(",\"backends\":\"not probed yet\"");
            }
            json.append(",\"databases\":{");
            String separator = "";
            for (Map.Entry<String, String> db : databases.entrySet()) {
                json.append(separator).append(quoted(db.getKey())).append(':').append(quoted(db.getValue()));
                separator = ",";
            }
            return json.append("}}").toString();
        }

        private static String quoted(String text) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }
    }
}
