package dev.pgsteer.proxy.tls;

import dev.pgsteer.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import javax.net.ssl.SSLException;

/**
 * pgsteer's side of TLS toward clients: the server context made once from {@code tls:}'s PEM files,
 * with the JDK's TLS (no native library to ship). It offers ALPN {@code postgresql}, which
 * PostgreSQL 17's clients ask for, and which direct TLS ({@code sslnegotiation=direct}) needs.
 */
public final class ServerTls {
    /** The ALPN protocol name PostgreSQL registered for its wire protocol. */
    public static final String ALPN_PROTOCOL = "postgresql";

    private ServerTls() {
    }

    /** @throws TlsFilesException when the files do not make a usable certificate and key, with why */
    public static SslContext context(TlsConfig tls) {
        try {
            return SslContextBuilder.forServer(tls.cert().toFile(), tls.key().toFile())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_PROTOCOL))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new TlsFilesException("cannot use the TLS certificate " + tls.cert() + " with the key " + tls.key() + ": "
                    + e.getMessage() + (root != e ? " (" + root.getMessage() + ")" : "")
                    + "; give a PEM certificate and its unencrypted PEM private key", e);
        }
    }
}
