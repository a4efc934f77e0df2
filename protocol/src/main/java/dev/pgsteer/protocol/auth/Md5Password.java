package dev.pgsteer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * PostgreSQL's MD5 password scheme (src/common/md5_common.c, pg_md5_encrypt): the stored form is
 * {@code "md5" + hex(md5(password + user))}, and in AuthenticationMD5Password the client answers
 * {@code "md5" + hex(md5(hex-part-of-stored-form + salt))} to a 4-byte random salt. Knowing the
 * stored hash is therefore enough to log in, which is why a proxy can relay MD5 without the
 * plain password, and why the hash must be guarded like one.
 *
 * <p>Strings are hashed as UTF-8; PostgreSQL hashes whatever bytes the client's encoding gave it,
 * which is UTF-8 for any modern client.
 */
public final class Md5Password {

    private static final String PREFIX = "md5";
    private static final int HASH_LENGTH = 35; // "md5" + 32 hex digits
    private static final HexFormat HEX = HexFormat.of(); // lowercase, as PostgreSQL writes it

    private Md5Password() {
    }

    /** The stored form for a plain password. */
    public static String hash(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        return PREFIX + md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Whether PostgreSQL would treat this stored password as an MD5 hash rather than as plain text
     * (get_password_type: "md5" followed by exactly 32 lowercase hex digits).
     */
    public static boolean looksLikeHash(String s) {
        if (s == null || s.length() != HASH_LENGTH || !s.startsWith(PREFIX)) {
            return false;
        }
        for (int i = PREFIX.length(); i < HASH_LENGTH; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a client sends in PasswordMessage for an AuthenticationMD5Password salt.
     *
     * @param passwordOrHash the plain password, or its stored MD5 form (recognized by
     *     {@link #looksLikeHash}, like PostgreSQL does)
     */
    public static String response(String user, String passwordOrHash, byte[] salt4) {
        Objects.requireNonNull(passwordOrHash, "passwordOrHash");
        requireSalt(salt4);
        String stored = looksLikeHash(passwordOrHash) ? passwordOrHash : hash(user, passwordOrHash);
        byte[] hexPart = stored.substring(PREFIX.length()).getBytes(StandardCharsets.US_ASCII);
        byte[] input = new byte[hexPart.length + salt4.length];
        System.arraycopy(hexPart, 0, input, 0, hexPart.length);
        System.arraycopy(salt4, 0, input, hexPart.length, salt4.length);
        return PREFIX + md5Hex(input);
    }

    /**
     * Checks a client's MD5 response against the stored password, in constant time.
     *
     * @param storedPasswordOrHash plain text or MD5 form; a SCRAM secret cannot answer an MD5
     *     challenge (PostgreSQL: "has a password that cannot be used with MD5 authentication"),
     *     so it never matches
     */
    public static boolean check(String user, String storedPasswordOrHash, byte[] salt4, String clientResponse) {
        Objects.requireNonNull(storedPasswordOrHash, "storedPasswordOrHash");
        requireSalt(salt4);
        if (clientResponse == null || ScramVerifier.looksLike(storedPasswordOrHash)) {
            return false;
        }
        byte[] expected = response(user, storedPasswordOrHash, salt4).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, clientResponse.getBytes(StandardCharsets.UTF_8));
    }

    private static void requireSalt(byte[] salt4) {
        Objects.requireNonNull(salt4, "salt4");
        if (salt4.length != 4) {
            throw new IllegalArgumentException("an MD5 salt is 4 bytes, not " + salt4.length);
        }
    }

    private static String md5Hex(byte[] data) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every Java platform", e);
        }
    }
}
