package dev.pgsteer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramVerifierTest {

    // Produced by PostgreSQL 15.18: SET password_encryption = 'scram-sha-256';
    // CREATE ROLE r PASSWORD '…'; SELECT rolpassword FROM pg_authid WHERE rolname = 'r';
    private static final String PG_PENCIL = "SCRAM-SHA-256$4096:Qx8xqv5NG23yYeOY56Yefg==$"
            + "yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=";
    private static final String PG_NON_ASCII = "SCRAM-SHA-256$4096:3c7U1we48LqftpC/CkPhIA==$"
            + "Etw3V3hy7RPMcSGLebg5LmK1imZDkvu4IQzx86csfsU=:d6tXapbBblGhqAYccxxaXIWaKfZ3zZfT4+P4ZEGeYmY=";

    @Test
    void matchesSecretStoredByPostgresql() {
        ScramVerifier stored = ScramVerifier.parse(PG_PENCIL);
        ScramVerifier computed = ScramVerifier.fromPassword("pencil", stored.salt(), 4096);
        assertEquals(stored, computed);
        assertEquals(PG_PENCIL, computed.encode());
    }

    @Test
    void matchesSecretStoredByPostgresqlForAlreadyNormalizedUtf8Password() {
        ScramVerifier stored = ScramVerifier.parse(PG_NON_ASCII);
        assertEquals(PG_NON_ASCII, ScramVerifier.fromPassword("s\u00e9cret w\u00f6rd", stored.salt(), 4096).encode());
    }

    @Test
    void rfc7677KeysFromPencil() {
        // StoredKey and ServerKey implied by RFC 7677's exchange; the exchange tests prove them.
        ScramVerifier v = ScramVerifier.fromPassword(Rfc7677.PASSWORD, Rfc7677.SALT, Rfc7677.ITERATIONS);
        assertEquals("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
                + "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
                v.encode());
    }

    @Test
    void fromPasswordUsesRandomSixteenByteSaltAnd4096Iterations() {
        ScramVerifier a = ScramVerifier.fromPassword("pencil");
        ScramVerifier b = ScramVerifier.fromPassword("pencil");
        assertEquals(4096, a.iterations());
        assertEquals(16, a.salt().length);
        assertNotEquals(a, b);
        assertEquals(a, ScramVerifier.parse(a.encode()));
    }

    @Test
    void otherIterationCountsRoundTrip() {
        ScramVerifier v = ScramVerifier.fromPassword("pencil", new byte[] {1, 2, 3}, 1);
        ScramVerifier parsed = ScramVerifier.parse(v.encode());
        assertEquals(1, parsed.iterations());
        assertArrayEquals(new byte[] {1, 2, 3}, parsed.salt());
        assertEquals(v, parsed);
        assertEquals(v.hashCode(), parsed.hashCode());
    }

    @Test
    void looksLikeOnlyWellFormedSecrets() {
        assertTrue(ScramVerifier.looksLike(PG_PENCIL));
        assertFalse(ScramVerifier.looksLike("pencil"));
        assertFalse(ScramVerifier.looksLike("md57cd2b9a92689eab2e58caf2da80afa15"));
        assertFalse(ScramVerifier.looksLike("SCRAM-SHA-256$4096:salt"));
        assertFalse(ScramVerifier.looksLike(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "SCRAM-SHA-1$4096:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
        "SCRAM-SHA-256$",
        "SCRAM-SHA-256$4096",
        "SCRAM-SHA-256$4096:Qx8xqv5NG23yYeOY56Yefg==",
        "SCRAM-SHA-256$4096:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=",
        "SCRAM-SHA-256$4096:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:",
        "SCRAM-SHA-256$4096:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=:x",
        "SCRAM-SHA-256$0:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
        "SCRAM-SHA-256$-1:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
        "SCRAM-SHA-256$99999999999:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
        "SCRAM-SHA-256$x:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
        "SCRAM-SHA-256$4096:$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
        "SCRAM-SHA-256$4096:not*base64$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jVA=:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
        // StoredKey one byte short
        "SCRAM-SHA-256$4096:Qx8xqv5NG23yYeOY56Yefg==$yYOdztyp3qiiMz14gjkqxPq9Sc3zfTWJBUAQopq0jQ==:D56x5MH9MLiNOlyBrJrxcwphPodPAgJ6h6P4kTp5obc=",
    })
    void parseRejectsMalformedSecretsWithoutEchoingThem(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScramVerifier.parse(s));
        assertFalse(e.getMessage().isEmpty());
        if (s.length() > 20) {
            assertFalse(e.getMessage().contains(s.substring(s.length() - 20)), e.getMessage());
        }
        assertFalse(ScramVerifier.looksLike(s));
    }

    @Test
    void toStringHidesKeys() {
        ScramVerifier v = ScramVerifier.parse(PG_PENCIL);
        String text = v.toString();
        assertTrue(text.contains("4096"), text);
        for (byte[] key : new byte[][] {v.storedKey(), v.serverKey(), v.salt()}) {
            assertFalse(text.contains(Base64.getEncoder().encodeToString(key)), text);
        }
    }

    @Test
    void arraysAreCopiedInAndOut() {
        byte[] salt = {1, 2, 3, 4};
        ScramVerifier v = ScramVerifier.fromPassword("pencil", salt, 2);
        salt[0] = 9;
        v.salt()[1] = 9;
        v.storedKey()[0] ^= 1;
        assertArrayEquals(new byte[] {1, 2, 3, 4}, v.salt());
        assertEquals(ScramVerifier.fromPassword("pencil", new byte[] {1, 2, 3, 4}, 2), v);
    }

    @Test
    void emptyPasswordIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ScramVerifier.fromPassword(""));
    }
}
