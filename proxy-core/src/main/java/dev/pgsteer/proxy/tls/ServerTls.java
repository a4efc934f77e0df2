package dev.pgsteer.proxy.tls;

import dev.pgsteer.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * pgsteer's side of TLS toward clients: the server context made once from {@code tls:}'s PEM files,
 * with the JDK's TLS (no native library to ship). The key may be PKCS#8 ({@code BEGIN PRIVATE KEY}),
 * PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}), as openssl writes
 * them, and must belong to the first certificate of the file. The context offers ALPN
 * {@code postgresql}, which PostgreSQL 17's clients ask for, and which direct TLS
 * ({@code sslnegotiation=direct}) needs.
 */
public final class ServerTls {
    /** The ALPN protocol name PostgreSQL registered for its wire protocol. */
    public static final String ALPN_PROTOCOL = "postgresql";

    private ServerTls() {
    }

    /** @throws TlsFilesException when the files do not make a usable certificate and key, with why */
    public static SslContext context(TlsConfig tls) {
        List<X509Certificate> chain = certificates(tls.cert());
        PrivateKey key = privateKey(tls.key());
        checkKeyFitsCertificate(key, chain.getFirst(), tls);
        try {
            return SslContextBuilder.forServer(key, chain)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_PROTOCOL))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new TlsFilesException("cannot use the TLS certificate " + tls.cert() + " with the key " + tls.key() + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
            if (chain.isEmpty()) {
                throw new GeneralSecurityException("no certificate in it");
            }
            return chain;
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsFilesException("cannot use the TLS certificate " + file + ": " + e.getMessage()
                    + "; give a PEM file that starts with -----BEGIN CERTIFICATE-----", e);
        }
    }

    /** The first private key of a PEM file, in any of the forms openssl writes unencrypted. */
    static PrivateKey privateKey(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object object = pem.readObject(); object != null; object = pem.readObject()) {
                if (object instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
            throw new IOException("no unencrypted private key in it");
        } catch (IOException | RuntimeException e) {
            throw new TlsFilesException("cannot use the TLS key " + file + ": " + e.getMessage()
                    + "; give an unencrypted PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", e);
        }
    }

    /**
     * A key that belongs to another certificate is accepted by the context and fails every handshake
     * later, with an error that names neither file; a signature made with the key and checked with the
     * certificate's public key finds it at start instead. Key types other than RSA and EC are let through.
     */
    private static void checkKeyFitsCertificate(PrivateKey key, X509Certificate leaf, TlsConfig tls) {
        String certificateAlgorithm = leaf.getPublicKey().getAlgorithm();
        String signing = switch (certificateAlgorithm) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> null;
        };
        String mismatch = "the key in " + tls.key() + " does not belong to the certificate in " + tls.cert()
                + "; give the key the certificate was made for";
        if (signing == null) {
            return;
        }
        if (!key.getAlgorithm().equals(certificateAlgorithm)) {
            throw new TlsFilesException(mismatch + " (an " + key.getAlgorithm() + " key, an " + certificateAlgorithm + " certificate)",
                    null);
        }
        try {
            byte[] probe = "pgsteer".getBytes(StandardCharsets.US_ASCII);
            Signature signature = Signature.getInstance(signing);
            signature.initSign(key);
            signature.update(probe);
            byte[] signed = signature.sign();
            signature.initVerify(leaf.getPublicKey());
            signature.update(probe);
            if (!signature.verify(signed)) {
                throw new TlsFilesException(mismatch, null);
            }
        } catch (GeneralSecurityException e) {
            throw new TlsFilesException("cannot check that the key in " + tls.key() + " belongs to the certificate in "
                    + tls.cert() + ": " + e.getMessage(), e);
        }
    }
}
