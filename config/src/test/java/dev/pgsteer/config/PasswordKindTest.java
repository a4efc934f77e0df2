package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordKindTest {

    private static final String VERIFIER = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy";

    @Test
    void classifiesAsPostgresqlDoes() {
        assertEquals(PasswordKind.PLAIN, PasswordKind.of("demo"));
        assertEquals(PasswordKind.MD5_HASH, PasswordKind.of("md5" + "0123456789abcdef".repeat(2)));
        assertEquals(PasswordKind.PLAIN, PasswordKind.of("md5notahash"));
        assertEquals(PasswordKind.SCRAM_VERIFIER, PasswordKind.of(VERIFIER));
        assertTrue(PasswordKind.isWellFormedScramVerifier(VERIFIER));
        assertFalse(PasswordKind.isWellFormedScramVerifier("SCRAM-SHA-256$4096:c2FsdA=="));
    }

    @Test
    void aHashChecksOnlyTheMethodItWasMadeFor() {
        assertTrue(PasswordKind.PLAIN.canCheck(AuthMethod.SCRAM_SHA_256));
        assertTrue(PasswordKind.PLAIN.canCheck(AuthMethod.MD5));
        assertFalse(PasswordKind.MD5_HASH.canCheck(AuthMethod.SCRAM_SHA_256));
        assertFalse(PasswordKind.SCRAM_VERIFIER.canCheck(AuthMethod.MD5));
        assertTrue(PasswordKind.SCRAM_VERIFIER.canCheck(AuthMethod.TRUST));
    }
}
