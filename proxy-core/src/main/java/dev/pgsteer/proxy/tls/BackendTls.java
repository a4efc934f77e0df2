package dev.pgsteer.proxy.tls;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.SslMode;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * How pgsteer's wire connections to each backend use TLS ({@code backends.<name>.sslmode} and
 * {@code sslrootcert}), with the client-side contexts made once, at start, so that no connection
 * reads a file on an event loop. Modes mean what they mean to libpq: {@code prefer} and
 * {@code require} encrypt without checking the certificate; {@code verify-ca} checks that it chains
 * to {@code sslrootcert}; {@code verify-full} also that it names the host pgsteer connects to
 * (a DNS name, or an IP address in the certificate's subject alternative names).
 *
 * <p>A backend is known by its name in the configuration, the name every {@code BackendTarget} carries;
 * a name that is not configured gets libpq's default, {@link SslMode#DEFAULT}.
 */
public final class BackendTls {
    private final Map<String, SslMode> modes;
    private final Map<String, SslContext> verifying;
    private final SslContext unverified;

    private BackendTls(Map<String, SslMode> modes, Map<String, SslContext> verifying, SslContext unverified) {
        this.modes = modes;
        this.verifying = verifying;
        this.unverified = unverified;
    }

    /** @throws TlsFilesException when an sslrootcert cannot be used, naming the backend */
    public static BackendTls of(Map<String, BackendConfig> backends) {
        Map<String, SslMode> modes = new HashMap<>();
        Map<String, SslContext> verifying = new HashMap<>();
        Map<Path, SslContext> byRootCert = new HashMap<>();
        for (BackendConfig backend : backends.values()) {
            modes.put(backend.name(), backend.sslMode());
            if (backend.sslMode().verifiesCertificate()) {
                SslContext context = byRootCert.get(backend.sslRootCert());
                if (context == null) {
                    context = build(SslContextBuilder.forClient().trustManager(backend.sslRootCert().toFile()),
                            "backends." + backend.name() + ".sslrootcert " + backend.sslRootCert());
                    byRootCert.put(backend.sslRootCert(), context);
                }
                verifying.put(backend.name(), context);
            }
        }
        SslContext unverified = build(SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE),
                "an unverified TLS context");
        return new BackendTls(Map.copyOf(modes), Map.copyOf(verifying), unverified);
    }

    /** No backend configured: every name gets {@link SslMode#DEFAULT}. */
    public static BackendTls defaults() {
        return of(Map.of());
    }

    public SslMode mode(String backend) {
        return modes.getOrDefault(backend, SslMode.DEFAULT);
    }

    /** A client-mode handler for a connection to {@code host}: checks what the backend's sslmode asks. */
    SslHandler newHandler(String backend, String host, int port, ByteBufAllocator alloc) {
        SslMode mode = mode(backend);
        SslContext context = mode.verifiesCertificate() ? verifying.get(backend) : unverified;
        SslHandler handler = context.newHandler(alloc, host, port);
        if (mode == SslMode.VERIFY_FULL) {
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return handler;
    }

    private static SslContext build(SslContextBuilder builder, String what) {
        try {
            // Netty 4.2 checks host names by default; verify-full asks for it per connection instead.
            return builder.endpointIdentificationAlgorithm(null).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new TlsFilesException("cannot use " + what + ": " + e.getMessage(), e);
        }
    }
}
