package dev.pgsteer.protocol.auth;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * PostgreSQL's stored SCRAM-SHA-256 secret, the {@code rolpassword} of a role whose password was
 * set with {@code password_encryption = 'scram-sha-256'}:
 * {@code SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>}
 * (src/backend/libpq/auth-scram.c, parse_scram_secret).
 *
 * <p>It lets a server check a client's proof without knowing the password. The arrays are copied
 * in and out so a caller cannot change a verifier after the fact, and {@link #toString()} never
 * shows the keys: with StoredKey and ServerKey one can impersonate the server, and a captured
 * exchange plus StoredKey yields ClientKey.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    private static final String PREFIX = "SCRAM-SHA-256$";

    /** PostgreSQL's default scram_iterations (and the only value before PostgreSQL 16). */
    public static final int DEFAULT_ITERATIONS = 4096;

    /** PostgreSQL's SCRAM_DEFAULT_SALT_LEN. */
    public static final int DEFAULT_SALT_LENGTH = 16;

    public ScramVerifier {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be at least 1, was " + iterations);
        }
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
        if (salt.length == 0) {
            throw new IllegalArgumentException("SCRAM salt must not be empty");
        }
        if (storedKey.length != ScramCrypto.KEY_LENGTH || serverKey.length != ScramCrypto.KEY_LENGTH) {
            throw new IllegalArgumentException("SCRAM-SHA-256 StoredKey and ServerKey must be "
                    + ScramCrypto.KEY_LENGTH + " bytes each");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /**
     * Whether PostgreSQL would treat this stored password as a SCRAM secret rather than as plain
     * text (get_password_type: a string that parses as a secret is one).
     */
    public static boolean looksLike(String s) {
        if (s == null || !s.startsWith(PREFIX)) {
            return false;
        }
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Parses the stored form; the exception message never repeats the input, which is a secret. */
    public static ScramVerifier parse(String s) {
        Objects.requireNonNull(s, "s");
        if (!s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a SCRAM secret: it must start with \"" + PREFIX + "\"");
        }
        String rest = s.substring(PREFIX.length());
        int dollar = rest.indexOf('$');
        if (dollar < 0) {
            throw new IllegalArgumentException("malformed SCRAM secret: expected <iterations>:<salt>$<StoredKey>:<ServerKey>");
        }
        String[] iterationsAndSalt = rest.substring(0, dollar).split(":", -1);
        String[] keys = rest.substring(dollar + 1).split(":", -1);
        if (iterationsAndSalt.length != 2 || keys.length != 2) {
            throw new IllegalArgumentException("malformed SCRAM secret: expected <iterations>:<salt>$<StoredKey>:<ServerKey>");
        }
        int iterations = parseIterations(iterationsAndSalt[0]);
        byte[] salt = decode(iterationsAndSalt[1], "salt");
        byte[] storedKey = decode(keys[0], "StoredKey");
        byte[] serverKey = decode(keys[1], "ServerKey");
        return new ScramVerifier(iterations, salt, storedKey, serverKey);
    }

    /** A new secret with a random 16-byte salt and 4096 iterations, as CREATE ROLE … PASSWORD makes it. */
    public static ScramVerifier fromPassword(String password) {
        return fromPassword(password, ScramCrypto.randomBytes(DEFAULT_SALT_LENGTH), DEFAULT_ITERATIONS);
    }

    public static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(salt, "salt");
        byte[] saltedPassword = ScramCrypto.hi(ScramCrypto.passwordBytes(password), salt, iterations);
        byte[] storedKey = ScramCrypto.sha256(ScramCrypto.clientKey(saltedPassword));
        byte[] serverKey = ScramCrypto.serverKey(saltedPassword);
        Arrays.fill(saltedPassword, (byte) 0);
        return new ScramVerifier(iterations, salt, storedKey, serverKey);
    }

    /** The string PostgreSQL stores in pg_authid.rolpassword. */
    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + ":" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    // Records compare arrays by reference; a verifier is a value, so compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof ScramVerifier v
                && iterations == v.iterations
                && Arrays.equals(salt, v.salt)
                && Arrays.equals(storedKey, v.storedKey)
                && Arrays.equals(serverKey, v.serverKey);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * iterations + Arrays.hashCode(salt)) + Arrays.hashCode(storedKey))
                + Arrays.hashCode(serverKey);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + ", salt=<" + salt.length + " bytes>, keys=<hidden>]";
    }

    // Package-private, unlike the accessors, to spare a copy where the exchange only reads them.
    byte[] storedKeyUnsafe() {
        return storedKey;
    }

    byte[] serverKeyUnsafe() {
        return serverKey;
    }

    byte[] saltUnsafe() {
        return salt;
    }

    private static int parseIterations(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("malformed SCRAM secret: iteration count is not a positive integer");
        }
        long value = Long.parseLong(s);
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("malformed SCRAM secret: iteration count out of range");
        }
        return (int) value;
    }

    private static byte[] decode(String b64, String what) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed SCRAM secret: " + what + " is not valid base64");
        }
    }
}
