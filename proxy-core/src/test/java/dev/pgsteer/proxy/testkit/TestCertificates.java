package dev.pgsteer.proxy.testkit;

import dev.pgsteer.proxy.tls.Certificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A test CA and certificates it signs for this machine ({@code localhost}, {@code 127.0.0.1}), written
 * as PEM files into a folder: what {@code verify-full} needs on either side of pgsteer.
 */
public final class TestCertificates {
    public static final List<String> LOCAL = List.of("localhost", "127.0.0.1");

    private final Path directory;
    private final String name;
    private final Certificates.Issued ca;

    private TestCertificates(Path directory, String name, Certificates.Issued ca) {
        this.directory = directory;
        this.name = name;
        this.ca = ca;
    }

    /** A new CA, its certificate written to {@code directory/<name>.crt}. */
    public static TestCertificates ca(Path directory, String name) {
        Certificates.Issued ca = Certificates.issue("pgsteer test CA " + name, List.of(), true, null, Duration.ofDays(1));
        ca.write(directory.resolve(name + ".crt"), directory.resolve(name + ".key"));
        return new TestCertificates(directory, name, ca);
    }

    public Path caCert() {
        return directory.resolve(name + ".crt");
    }

    /** A server certificate for {@code hosts} signed by this CA: {@code [name.crt, name.key]} (key mode 0600). */
    public Path[] server(String fileName, List<String> hosts) {
        Certificates.Issued issued = Certificates.issue(hosts.isEmpty() ? fileName : hosts.getFirst(), hosts, false, ca,
                Duration.ofDays(1));
        Path cert = directory.resolve(fileName + ".crt");
        Path key = directory.resolve(fileName + ".key");
        issued.write(cert, key);
        return new Path[] {cert, key};
    }
}
