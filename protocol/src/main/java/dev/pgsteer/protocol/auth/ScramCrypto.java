package dev.pgsteer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SCRAM-SHA-256 primitives of RFC 5802 section 3 with H = SHA-256 (RFC 7677), as PostgreSQL
 * uses them (src/common/scram-common.c).
 */
final class ScramCrypto {

    /** SHA-256 output length; StoredKey, ServerKey, proofs and signatures all have it. */
    static final int KEY_LENGTH = 32;

    /** PostgreSQL's SCRAM_RAW_NONCE_LEN: 18 random bytes, 24 characters once base64-encoded. */
    private static final int RAW_NONCE_LENGTH = 18;

    private static final String HMAC = "HmacSHA256";

    // SecureRandom is thread-safe and expensive to seed; one per process is the usual practice.
    private static final SecureRandom RANDOM = new SecureRandom();

    private ScramCrypto() {
    }

    /**
     * The bytes SCRAM hashes for a password.
     *
     * <p>RFC 5802 asks for SASLprep (RFC 4013) first. Full SASLprep is not implemented here: the
     * password's UTF-8 bytes are used as they are. That matches PostgreSQL for ASCII passwords
     * (pg_saslprep returns them unchanged) and for non-ASCII passwords that are already in NFKC
     * form without non-ASCII spaces or ignorable characters, which is what keyboards produce. For
     * anything else PostgreSQL may normalize differently; note that PostgreSQL itself falls back
     * to the raw bytes whenever SASLprep fails (invalid UTF-8, prohibited characters).
     */
    static byte[] passwordBytes(String password) {
        if (password.isEmpty()) {
            // PostgreSQL never stores an empty password ("empty string is not a valid password"),
            // and HMAC keys of length 0 are rejected by the JDK, so refuse early and clearly.
            throw new IllegalArgumentException("empty password");
        }
        return password.getBytes(StandardCharsets.UTF_8);
    }

    /** Hi(str, salt, i) of RFC 5802: PBKDF2 with HMAC-SHA-256 and one output block. */
    static byte[] hi(byte[] password, byte[] salt, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be at least 1");
        }
        Mac mac = mac(password);
        mac.update(salt);
        byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1}); // INT(1): block index, big-endian
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    /** ClientKey := HMAC(SaltedPassword, "Client Key"). */
    static byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key");
    }

    /** ServerKey := HMAC(SaltedPassword, "Server Key"). */
    static byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key");
    }

    static byte[] hmac(byte[] key, byte[] data) {
        return mac(key).doFinal(data);
    }

    static byte[] hmac(byte[] key, String ascii) {
        return hmac(key, ascii.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("xor of arrays of different lengths");
        }
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    /** A fresh nonce as PostgreSQL makes it: base64 of random bytes, so printable and comma-free. */
    static String newNonce() {
        byte[] raw = new byte[RAW_NONCE_LENGTH];
        RANDOM.nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    static byte[] randomBytes(int length) {
        byte[] out = new byte[length];
        RANDOM.nextBytes(out);
        return out;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }
}
