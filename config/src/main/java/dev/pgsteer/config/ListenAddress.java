package dev.pgsteer.config;

import java.util.Objects;

/**
 * The address the proxy accepts clients on. Written {@code HOST:PORT}, {@code [IPv6]:PORT}, or
 * {@code :PORT} for every IPv4 address. Port 0 asks the OS for a free port (useful in tests).
 */
public record ListenAddress(String host, int port) {

    public static final ListenAddress DEFAULT = new ListenAddress("127.0.0.1", 6432);

    public ListenAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("the host '" + host + "' is not a host name or address");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the port " + port + " is outside 0..65535");
        }
    }

    public static ListenAddress parse(String hostPort) {
        if (hostPort == null || hostPort.isBlank()) {
            throw new IllegalArgumentException("the address is empty");
        }
        String text = hostPort.strip();
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || !text.startsWith(":", close + 1)) {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:PORT");
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + text + "' has no port");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (host.contains(":")) {
                throw new IllegalArgumentException("'" + text + "' looks like an IPv6 address without brackets");
            }
        }
        return new ListenAddress(host.isEmpty() ? "0.0.0.0" : host, parsePort(portText, 0));
    }

    /** Shared with {@link BackendUrl}, which needs a real port (from 1) where a listener may take 0. */
    static int parsePort(String text, int lowest) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port '" + text + "' is not a number");
        }
        if (port < lowest || port > 65535) {
            throw new IllegalArgumentException("the port " + port + " is outside " + lowest + "..65535");
        }
        return port;
    }

    /** Brackets around IPv6 so that the result parses back to the same address. */
    public static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return hostPort(host, port);
    }
}
