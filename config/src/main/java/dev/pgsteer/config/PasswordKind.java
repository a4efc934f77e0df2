package dev.pgsteer.config;

import java.util.regex.Pattern;

/**
 * What a configured password string is. PostgreSQL stores the same three forms in
 * {@code pg_authid.rolpassword}, so operators can paste them from there.
 */
public enum PasswordKind {
    /** The password itself: can check both SCRAM-SHA-256 and MD5 logins. */
    PLAIN,
    /** {@code md5} followed by 32 hex digits, md5(password || user): can check only MD5 logins. */
    MD5_HASH,
    /** {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}: can check only SCRAM logins. */
    SCRAM_VERIFIER;

    private static final Pattern MD5 = Pattern.compile("md5[0-9a-f]{32}");
    private static final String B64 = "[A-Za-z0-9+/]+={0,2}";
    private static final Pattern SCRAM = Pattern.compile("SCRAM-SHA-256\\$[1-9][0-9]*:" + B64 + "\\$" + B64 + ":" + B64);

    /** Classified by prefix, as PostgreSQL does, so a mangled verifier is not mistaken for a plain password. */
    public static PasswordKind of(String password) {
        if (password.startsWith("SCRAM-SHA-256$")) {
            return SCRAM_VERIFIER;
        }
        return MD5.matcher(password).matches() ? MD5_HASH : PLAIN;
    }

    public static boolean isWellFormedScramVerifier(String password) {
        return SCRAM.matcher(password).matches();
    }

    /** Whether a password stored in this form can check a login that uses {@code method}. */
    public boolean canCheck(AuthMethod method) {
        return switch (method) {
            case TRUST -> true;
            case SCRAM_SHA_256 -> this != MD5_HASH;
            case MD5 -> this != SCRAM_VERIFIER;
        };
    }
}
