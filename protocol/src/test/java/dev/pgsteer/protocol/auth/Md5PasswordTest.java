package dev.pgsteer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Md5PasswordTest {

    private static final byte[] SALT = {1, 2, 3, 4};

    @Test
    void hashMatchesPostgresql() {
        // PostgreSQL 15: SET password_encryption = 'md5'; CREATE ROLE md5_user PASSWORD 'password';
        assertEquals("md57cd2b9a92689eab2e58caf2da80afa15", Md5Password.hash("md5_user", "password"));
        // src/test/regress/expected/password.out
        assertEquals("md54044304ba511dd062133eb5b4b84a2a3", Md5Password.hash("regress_passwd2", "role_pwd2"));
        assertEquals("md5530de4c298af94b3b9f7d20305d2a1bf", Md5Password.hash("regress_passwd3", "foo"));
    }

    @Test
    void looksLikeHashWantsMd5AndThirtyTwoLowercaseHexDigits() {
        assertTrue(Md5Password.looksLikeHash("md57cd2b9a92689eab2e58caf2da80afa15"));
        assertFalse(Md5Password.looksLikeHash("md57CD2B9A92689EAB2E58CAF2DA80AFA15"));
        assertFalse(Md5Password.looksLikeHash("md57cd2b9a92689eab2e58caf2da80afa1"));
        assertFalse(Md5Password.looksLikeHash("md57cd2b9a92689eab2e58caf2da80afa155"));
        assertFalse(Md5Password.looksLikeHash("md57cd2b9a92689eab2e58caf2da80afa1g"));
        assertFalse(Md5Password.looksLikeHash("xx57cd2b9a92689eab2e58caf2da80afa15"));
        assertFalse(Md5Password.looksLikeHash("password"));
        assertFalse(Md5Password.looksLikeHash(null));
    }

    @Test
    void responseFromPasswordOrFromHashIsTheSame() {
        // printf '%s' 7cd2b9a92689eab2e58caf2da80afa15 and the bytes 01 02 03 04, through md5sum
        String expected = "md580a32c6f038b79de232354a2ee7060eb";
        assertEquals(expected, Md5Password.response("md5_user", "password", SALT));
        assertEquals(expected, Md5Password.response("md5_user", "md57cd2b9a92689eab2e58caf2da80afa15", SALT));
        assertEquals("md568fd2990f251b205ac90c41907eaaaae", Md5Password.response("regress_passwd2",
                "md54044304ba511dd062133eb5b4b84a2a3", new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
    }

    @Test
    void checkAcceptsOnlyTheRightResponse() {
        String good = Md5Password.response("md5_user", "password", SALT);
        assertTrue(Md5Password.check("md5_user", "md57cd2b9a92689eab2e58caf2da80afa15", SALT, good));
        assertTrue(Md5Password.check("md5_user", "password", SALT, good));
        assertFalse(Md5Password.check("md5_user", "Password", SALT, good));
        assertFalse(Md5Password.check("other_user", "password", SALT, good));
        assertFalse(Md5Password.check("md5_user", "password", new byte[] {4, 3, 2, 1}, good));
        assertFalse(Md5Password.check("md5_user", "password", SALT, good.substring(0, 34)));
        assertFalse(Md5Password.check("md5_user", "password", SALT, ""));
        assertFalse(Md5Password.check("md5_user", "password", SALT, null));
    }

    @Test
    void scramSecretCannotAnswerMd5() {
        String scram = ScramVerifier.fromPassword("password").encode();
        assertFalse(Md5Password.check("md5_user", scram, SALT, Md5Password.response("md5_user", "password", SALT)));
    }

    @Test
    void saltMustBeFourBytes() {
        assertThrows(IllegalArgumentException.class, () -> Md5Password.response("u", "p", new byte[3]));
    }
}
