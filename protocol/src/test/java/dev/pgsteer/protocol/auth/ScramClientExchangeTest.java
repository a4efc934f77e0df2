package dev.pgsteer.protocol.auth;

import static dev.pgsteer.protocol.auth.Rfc7677.bytes;
import static dev.pgsteer.protocol.auth.Rfc7677.string;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramClientExchangeTest {

    private static ScramClientExchange rfcClient() {
        return new ScramClientExchange(Rfc7677.PASSWORD, Rfc7677.CLIENT_NONCE, Rfc7677.USER);
    }

    @Test
    void rfc7677Exchange() {
        ScramClientExchange client = rfcClient();
        assertEquals(Rfc7677.CLIENT_FIRST, string(client.clientFirst()));
        assertEquals(Rfc7677.CLIENT_FINAL, string(client.clientFinal(bytes(Rfc7677.SERVER_FIRST))));
        client.verifyServerFinal(bytes(Rfc7677.SERVER_FINAL));
        assertTrue(client.isComplete());
    }

    @Test
    void sendsEmptyUserAndNoChannelBindingLikeLibpq() {
        ScramClientExchange client = new ScramClientExchange("pencil");
        String first = string(client.clientFirst());
        assertTrue(first.matches("n,,n=,r=[A-Za-z0-9+/]{24}"), first);
    }

    @Test
    void errorAttributeFromServerFails() {
        ScramClientExchange client = rfcClient();
        client.clientFirst();
        client.clientFinal(bytes(Rfc7677.SERVER_FIRST));
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> client.verifyServerFinal(bytes("e=invalid-proof")));
        assertTrue(e.getMessage().contains("invalid-proof"), e.getMessage());
        assertFalse(client.isComplete());
    }

    @Test
    void wrongServerSignatureFails() {
        ScramClientExchange client = rfcClient();
        client.clientFirst();
        client.clientFinal(bytes(Rfc7677.SERVER_FIRST));
        // A server that does not know the secret: a valid-looking but different signature. (The
        // change is mid-string: the last character before "=" carries two unused bits.)
        assertThrows(AuthenticationFailedException.class,
                () -> client.verifyServerFinal(bytes("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl96G4=")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "v=",
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,",
        "v=not base64!",
        "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        "v",
        "=",
        ",",
    })
    void malformedServerFinalFails(String serverFinal) {
        ScramClientExchange client = rfcClient();
        client.clientFirst();
        client.clientFinal(bytes(Rfc7677.SERVER_FIRST));
        assertThrows(AuthenticationFailedException.class, () -> client.verifyServerFinal(bytes(serverFinal)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "r=",
        // the server must extend our nonce
        "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=XOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=rOprNG,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=rOprNGfwEbeRWgbNEkqO%hv YDpWUa2,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=,i=4096",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=***,i=4096",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=+4096",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,junk",
        "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,i=4096",
        "m=ext,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "e=other-error",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0\0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    })
    void malformedServerFirstFails(String serverFirst) {
        ScramClientExchange client = rfcClient();
        client.clientFirst();
        assertThrows(AuthenticationFailedException.class, () -> client.clientFinal(bytes(serverFirst)));
        assertFalse(client.isComplete());
    }

    @Test
    void lowIterationCountsAndExtensionsAreAccepted() {
        ScramClientExchange client = rfcClient();
        client.clientFirst();
        assertDoesNotThrow(() -> client.clientFinal(bytes(
                "r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1,x=future-extension")));
    }

    @Test
    void stepsOutOfOrderAreAProgrammingError() {
        ScramClientExchange client = rfcClient();
        assertThrows(IllegalStateException.class, () -> client.clientFinal(bytes(Rfc7677.SERVER_FIRST)));
        client.clientFirst();
        assertThrows(IllegalStateException.class, () -> client.clientFirst());
        assertThrows(IllegalStateException.class, () -> client.verifyServerFinal(bytes(Rfc7677.SERVER_FINAL)));
    }

    @Test
    void toStringShowsNoSecret() {
        ScramClientExchange client = rfcClient();
        client.clientFirst();
        assertFalse(client.toString().contains("pencil"));
    }
}
