package dev.pgsteer.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server context from tls.cert and tls.key, and the mistakes it finds at start. */
class ServerTlsTest {
    @TempDir
    Path dir;

    private Path[] issued(String name) {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Certificates.issue("localhost", List.of("localhost"), false, null, Duration.ofHours(1)).write(cert, key);
        return new Path[] {cert, key};
    }

    @Test
    void aMatchingPairMakesAContext() {
        Path[] a = issued("a");
        assertNotNull(ServerTls.context(new TlsConfig(a[0], a[1], false)));
    }

    @Test
    void anOpensslStyleSec1KeyIsReadToo() throws Exception {
        // openssl ecparam -genkey and older tools write "BEGIN EC PRIVATE KEY" (SEC1), not PKCS#8.
        Certificates.Issued issued = Certificates.issue("localhost", List.of("localhost"), false, null, Duration.ofHours(1));
        Path cert = dir.resolve("sec1.crt");
        Path key = dir.resolve("sec1.key");
        issued.write(cert, key);
        // As openssl writes it: the curve and the public key inside the SEC1 structure.
        var pkcs8 = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(issued.keys().getPrivate().getEncoded());
        var inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
        var publicBits = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(issued.keys().getPublic().getEncoded())
                .getPublicKeyData();
        byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(), publicBits,
                pkcs8.getPrivateKeyAlgorithm().getParameters()).getEncoded();
        Files.writeString(key, "-----BEGIN EC PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(sec1)
                + "\n-----END EC PRIVATE KEY-----\n");
        assertNotNull(ServerTls.context(new TlsConfig(cert, key, false)));
    }

    @Test
    void anRsaKeyInPkcs1FormWorks() throws Exception {
        // openssl genrsa before 3.0 writes "BEGIN RSA PRIVATE KEY" (PKCS#1); make one the same way.
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        java.security.KeyPair keys = rsa.generateKeyPair();
        var name = new org.bouncycastle.asn1.x500.X500Name("CN=localhost");
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.TEN,
                new java.util.Date(), new java.util.Date(System.currentTimeMillis() + 3_600_000), name, keys.getPublic());
        var certificate = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        Path cert = dir.resolve("rsa.crt");
        Path key = dir.resolve("rsa.key");
        try (var writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(Files.newBufferedWriter(cert))) {
            writer.writeObject(certificate);
        }
        try (var writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(Files.newBufferedWriter(key))) {
            writer.writeObject(keys);
        }
        assertTrue(Files.readString(key).startsWith("-----BEGIN RSA PRIVATE KEY-----"), Files.readString(key));
        assertNotNull(ServerTls.context(new TlsConfig(cert, key, false)));
        TlsFilesException e = assertThrows(TlsFilesException.class,
                () -> ServerTls.context(new TlsConfig(cert, issued("ec")[1], false)));
        assertTrue(e.getMessage().contains("(an EC key, an RSA certificate)"), e.getMessage());
    }

    @Test
    void aKeyOfAnotherCertificateIsFoundAtStart() {
        Path[] a = issued("a");
        Path[] b = issued("b");
        TlsFilesException e = assertThrows(TlsFilesException.class, () -> ServerTls.context(new TlsConfig(a[0], b[1], false)));
        assertTrue(e.getMessage().contains("the key in " + b[1] + " does not belong to the certificate in " + a[0]), e.getMessage());
    }

    @Test
    void aFileThatIsNotACertificateSaysWhich() throws Exception {
        Path[] a = issued("a");
        Path garbage = Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");
        TlsFilesException e = assertThrows(TlsFilesException.class, () -> ServerTls.context(new TlsConfig(garbage, a[1], false)));
        assertTrue(e.getMessage().startsWith("cannot use the TLS certificate " + garbage + ": "), e.getMessage());
    }
}
