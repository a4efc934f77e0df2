package dev.pgsteer.config.yaml;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.SslMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * {@code backends:}: each backend's URL, the user and password to log in with, and TLS to it
 * ({@code sslmode}, {@code sslrootcert}), given as keys or in the URL as libpq takes them.
 */
final class BackendBinder {

    static final List<String> BACKEND_KEYS = List.of("url", "user", "password", "sslmode", "sslrootcert");

    private static final String URL_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE";

    private final NodeReader reader;
    private final PemFiles pemFiles;

    BackendBinder(NodeReader reader, PemFiles pemFiles) {
        this.reader = reader;
        this.pemFiles = pemFiles;
    }

    /** Fills {@code into} with the usable backends and returns every declared name, usable or not. */
    Set<String> backends(Section top, Map<String, BackendConfig> into) {
        Optional<Section> section = reader.required(top, "backends",
                "backends: { main: { url: \"" + URL_FORM + "\" } }");
        section.ifPresent(s -> s.entries().forEach((name, entry) ->
                reader.section(entry.value(), s.pathOf(name), "{ url: \"" + URL_FORM + "\" }")
                        .flatMap(backend -> backend(name, backend))
                        .ifPresent(backend -> into.put(name, backend))));
        return section.map(s -> s.entries().keySet()).orElse(Set.of());
    }

    private Optional<BackendConfig> backend(String name, Section section) {
        reader.allowOnly(section, BACKEND_KEYS);
        if (!section.has("url")) {
            reader.problem(section.node(), "backend '" + name + "' has no url", "add url: \"" + URL_FORM + "\"");
            return Optional.empty();
        }
        Optional<BackendUrl> url = reader.parsed(section, "url", BackendUrl::parse,
                "write it as " + URL_FORM + "; percent-encode special characters in the user and password "
                        + "(@ as %40, : as %3A)");
        Optional<String> user = reader.text(section, "user");
        Optional<String> password = reader.text(section, "password");
        // TLS from the keys, or from the url's ?sslmode=&sslrootcert= (as copied from a provider), not both.
        Node urlNode = section.value("url").orElseThrow();
        SslMode urlMode = url.map(BackendUrl::sslMode).orElse(null);
        String urlRootCert = url.map(BackendUrl::sslRootCert).orElse(null);
        for (String key : List.of("sslmode", "sslrootcert")) {
            if (section.has(key) && (key.equals("sslmode") ? urlMode != null : urlRootCert != null)) {
                reader.problem(section.value(key).orElseThrow(), section.pathOf(key) + " is set here and in the url (?" + key + "=...)",
                        "keep one of the two");
                return Optional.empty();
            }
        }
        SslMode sslMode = reader.parsed(section, "sslmode", SslMode::parse, "use one of " + SslMode.validNames())
                .orElse(urlMode != null ? urlMode : SslMode.DEFAULT);
        Node modeAt = section.value("sslmode").orElse(urlNode);
        String modePath = section.has("sslmode") ? section.pathOf("sslmode") : section.pathOf("url") + "'s sslmode";
        boolean rootGiven = section.has("sslrootcert") || urlRootCert != null;
        Node rootAt = section.value("sslrootcert").orElse(urlNode);
        String rootPath = section.has("sslrootcert") ? section.pathOf("sslrootcert") : section.pathOf("url") + "'s sslrootcert";
        Optional<Path> rootCert = section.has("sslrootcert") ? pemFiles.read(section, "sslrootcert", true)
                : urlRootCert != null ? pemFiles.read(urlNode, rootPath, urlRootCert, true) : Optional.empty();
        if (sslMode.verifiesCertificate() && !rootGiven) {
            reader.problem(modeAt, modePath + " is " + sslMode.configName()
                            + ", which checks the server's certificate against a CA, but there is no sslrootcert",
                    "add sslrootcert: FILE, the PEM file of the CA that signed the server's certificate");
            return Optional.empty();
        }
        if (!sslMode.verifiesCertificate() && rootGiven) {
            reader.problem(rootAt, rootPath + " is only used by sslmode "
                            + "verify-ca and verify-full, and sslmode is " + sslMode.configName()
                            + " (libpq would verify the CA then; pgsteer asks you to say so)",
                    "set sslmode: verify-full (or verify-ca), or remove sslrootcert");
            return Optional.empty();
        }
        if (rootCert.isEmpty() && rootGiven) {
            return Optional.empty();
        }
        return url.flatMap(u -> {
            BackendUrl login = u.withCredentials(user.orElse(u.user()), password.orElse(u.password()));
            if (login.user() == null) {
                reader.problem(section.value("url").orElseThrow(), "backend '" + name + "' has no user to log in as",
                        "put it in the url (postgresql://USER:PASSWORD@...) or add user: NAME");
                return Optional.empty();
            }
            return Optional.of(new BackendConfig(name, login, sslMode, rootCert.orElse(null)));
        });
    }
}
