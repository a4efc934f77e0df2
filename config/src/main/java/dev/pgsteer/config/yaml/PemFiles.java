package dev.pgsteer.config.yaml;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The PEM files a configuration names: {@code tls:}'s certificate and key, a backend's
 * {@code sslrootcert}. Each is read at load, so that a wrong one is reported with its line.
 */
final class PemFiles {

    private final NodeReader reader;

    PemFiles(NodeReader reader) {
        this.reader = reader;
    }

    /**
     * A PEM file named at {@code key}, relative to the configuration file's folder, read now so that a
     * missing or unreadable file is reported with its line rather than at the first connection:
     * certificates must parse, a key must be an unencrypted PEM private key.
     */
    Optional<Path> read(Section section, String key, boolean certificates) {
        return reader.text(section, key).flatMap(text -> read(section.value(key).orElseThrow(), section.pathOf(key), text, certificates));
    }

    /** As above, for a file named elsewhere (a url's {@code ?sslrootcert=}); problems point at {@code at}. */
    Optional<Path> read(Node at, String path, String name, boolean certificates) {
        Path file;
        try {
            file = baseDirectory().resolve(name.strip()).normalize();
        } catch (InvalidPathException e) {
            reader.problem(at, path + ": '" + name + "' is not a file name (" + e.getMessage() + ")", "give the path of a PEM file");
            return Optional.empty();
        }
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            reader.problem(at, path + ": cannot read " + file + " (" + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                    "check the path (a relative one starts at the configuration file's folder) and that pgsteer may read it");
            return Optional.empty();
        }
        if (certificates) {
            try {
                var parsed = CertificateFactory.getInstance("X.509")
                        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
                if (parsed.isEmpty()) {
                    throw new CertificateException("no certificate in it");
                }
            } catch (CertificateException e) {
                reader.problem(at, path + ": " + file + " is not a PEM certificate file (" + e.getMessage() + ")",
                        "give a file that starts with -----BEGIN CERTIFICATE-----");
                return Optional.empty();
            }
        } else if (pem.contains("ENCRYPTED")) {
            reader.problem(at, path + ": " + file + " is an encrypted private key, which pgsteer cannot unlock",
                    "decrypt it (openssl pkey -in " + file.getFileName() + " -out plain.key) and keep the file readable by pgsteer only");
            return Optional.empty();
        } else if (!pem.matches("(?s).*-----BEGIN [A-Z ]*PRIVATE KEY-----.*")) {
            reader.problem(at, path + ": " + file + " is not a PEM private key",
                    "give a file that starts with -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY)");
            return Optional.empty();
        }
        return Optional.of(file);
    }

    /** Relative file names in the configuration start at the folder of the configuration file. */
    Path baseDirectory() {
        try {
            Path parent = Path.of(reader.source()).toAbsolutePath().getParent();
            return parent != null ? parent : Path.of("").toAbsolutePath();
        } catch (InvalidPathException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
