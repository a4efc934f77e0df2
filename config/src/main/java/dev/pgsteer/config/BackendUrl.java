package dev.pgsteer.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Where a backend PostgreSQL server is and whom to log in as, from a libpq-style URL:
 * {@code postgresql://USER:PASSWORD@HOST:PORT/DATABASE} ({@code postgres://} too; port 5432 by
 * default; user, password and database optional and percent-decoded). Of libpq's query parameters,
 * {@code ?sslmode=...&sslrootcert=...} are taken (null when absent), so a URL copied from a provider's
 * console keeps its TLS; any other is refused rather than ignored.
 *
 * <p>Error messages and {@link #toString()} never repeat the password: both end up in logs.
 */
public record BackendUrl(String host, int port, String user, String password, String database, SslMode sslMode,
        String sslRootCert) {

    public static final int DEFAULT_PORT = 5432;
    /** The query parameters a URL may carry. */
    public static final List<String> PARAMETERS = List.of("sslmode", "sslrootcert");

    public BackendUrl {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port " + port + " is outside 1..65535");
        }
    }

    /** Without query parameters. */
    public BackendUrl(String host, int port, String user, String password, String database) {
        this(host, port, user, password, database, null, null);
    }

    public static BackendUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("the URL is empty");
        }
        String rest = stripScheme(url.strip());

        // The last '@' ends the user info, so an unencoded '@' or '/' in a password still parses.
        int at = rest.lastIndexOf('@');
        String userInfo = at < 0 ? null : rest.substring(0, at);
        String hostAndPath = rest.substring(at + 1);
        String query = null;
        if (hostAndPath.indexOf('?') >= 0) {
            query = hostAndPath.substring(hostAndPath.indexOf('?') + 1);
            hostAndPath = hostAndPath.substring(0, hostAndPath.indexOf('?'));
        }
        int slash = hostAndPath.indexOf('/');
        String authority = slash < 0 ? hostAndPath : hostAndPath.substring(0, slash);
        String path = slash < 0 ? "" : hostAndPath.substring(slash + 1);

        String user = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user name");
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1), "password");
        }
        if (path.contains("/")) {
            throw new IllegalArgumentException("the database name must not contain '/'");
        }
        String database = decode(path, "database name");
        BackendUrl parsed = hostAndPort(authority, emptyToNull(user), emptyToNull(password), emptyToNull(database));
        return query == null ? parsed : parsed.withQuery(query);
    }

    /** {@code sslmode=...&sslrootcert=...}: each at most once, nothing else. */
    private BackendUrl withQuery(String query) {
        SslMode mode = null;
        String rootCert = null;
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), "query parameter");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "query parameter " + name);
            switch (name) {
                case "sslmode" -> {
                    if (mode != null) {
                        throw new IllegalArgumentException("sslmode is given twice");
                    }
                    mode = SslMode.parse(value);
                }
                case "sslrootcert" -> {
                    if (rootCert != null) {
                        throw new IllegalArgumentException("sslrootcert is given twice");
                    }
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("sslrootcert is empty");
                    }
                    rootCert = value;
                }
                // Only the name is quoted back: a value might be a secret (password=...).
                default -> throw new IllegalArgumentException("the query parameter '" + name + "' is not supported; "
                        + "pgsteer takes " + String.join(" and ", PARAMETERS) + " from a URL");
            }
        }
        return new BackendUrl(host, port, user, password, database, mode, rootCert);
    }

    private static String stripScheme(String url) {
        for (String scheme : new String[] {"postgresql://", "postgres://"}) {
            if (url.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return url.substring(scheme.length());
            }
        }
        int sep = url.indexOf("://");
        // Only the scheme is quoted back: the rest may hold a password.
        throw new IllegalArgumentException(sep < 0
                ? "it does not start with postgresql://"
                : "the scheme '" + url.substring(0, sep) + "' is not postgresql:// or postgres://");
    }

    private static BackendUrl hostAndPort(String authority, String user, String password, String database) {
        if (authority.contains(",")) {
            throw new IllegalArgumentException("several hosts in one URL are not supported; define one backend per host");
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("the IPv6 host is missing its closing ']'");
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("expected :PORT after the IPv6 host");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("the host is missing");
        }
        int port = portText == null || portText.isEmpty() ? DEFAULT_PORT : ListenAddress.parsePort(portText, 1);
        return new BackendUrl(host, port, user, password, database);
    }

    /** Percent-decoding as in RFC 3986: unlike URLDecoder, '+' stays a plus sign. */
    private static String decode(String text, String what) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            int c = text.codePointAt(i);
            if (c != '%') {
                bytes.writeBytes(Character.toString(c).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(c) - 1;
                continue;
            }
            int hi = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
            int lo = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("the " + what + " has a '%' that is not followed by two hex digits");
            }
            bytes.write(hi * 16 + lo);
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The same server with another login, for {@code backends.<name>.user} and {@code password}. */
    public BackendUrl withCredentials(String newUser, String newPassword) {
        return new BackendUrl(host, port, newUser, newPassword, database, sslMode, sslRootCert);
    }

    @Override
    public String toString() {
        String query = (sslMode == null ? "" : "&sslmode=" + sslMode.configName()) + (sslRootCert == null ? "" : "&sslrootcert=" + sslRootCert);
        return "postgresql://" + (user == null ? "" : user + "@") + ListenAddress.hostPort(host, port)
                + (database == null ? "" : "/" + database) + (query.isEmpty() ? "" : "?" + query.substring(1));
    }
}
