package dev.pgsteer.protocol.auth;

import static dev.pgsteer.protocol.auth.Rfc7677.bytes;
import static dev.pgsteer.protocol.auth.Rfc7677.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramServerExchangeTest {

    private static final ScramVerifier PENCIL =
            ScramVerifier.fromPassword(Rfc7677.PASSWORD, Rfc7677.SALT, Rfc7677.ITERATIONS);

    private static ScramServerExchange rfcServer() {
        return new ScramServerExchange(PENCIL, Rfc7677.SERVER_NONCE);
    }

    @Test
    void rfc7677Exchange() {
        ScramServerExchange server = rfcServer();
        assertEquals(Rfc7677.SERVER_FIRST, string(server.serverFirst(bytes(Rfc7677.CLIENT_FIRST))));
        assertFalse(server.isAuthenticated());
        assertEquals(Rfc7677.SERVER_FINAL, string(server.serverFinal(bytes(Rfc7677.CLIENT_FINAL))));
        assertTrue(server.isAuthenticated());
    }

    @Test
    void randomServerNonceExtendsTheClientNonce() {
        String serverFirst = string(new ScramServerExchange(PENCIL).serverFirst(bytes(Rfc7677.CLIENT_FIRST)));
        assertTrue(serverFirst.matches("r=rOprNGfwEbeRWgbNEkqO[A-Za-z0-9+/]{24},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
                serverFirst);
    }

    @Test
    void wrongProofFails() {
        ScramServerExchange server = rfcServer();
        server.serverFirst(bytes(Rfc7677.CLIENT_FIRST));
        String tampered = Rfc7677.CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
        assertThrows(AuthenticationFailedException.class, () -> server.serverFinal(bytes(tampered)));
        assertFalse(server.isAuthenticated());
    }

    @Test
    void proofForAnotherPasswordFails() {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.fromPassword("crayon", Rfc7677.SALT, 4096),
                Rfc7677.SERVER_NONCE);
        server.serverFirst(bytes(Rfc7677.CLIENT_FIRST));
        assertThrows(AuthenticationFailedException.class, () -> server.serverFinal(bytes(Rfc7677.CLIENT_FINAL)));
    }

    @Test
    void channelBindingIsRefused() {
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> rfcServer().serverFirst(bytes("p=tls-server-end-point,,n=,r=abc")));
        assertTrue(e.getMessage().contains("channel binding"), e.getMessage());
    }

    @Test
    void clientThatSupportsBindingButThinksWeDoNotIsAccepted() {
        // We never offer SCRAM-SHA-256-PLUS, so "y" is the truth, not a downgrade. The client must
        // then repeat "y,," in c= (base64 "eSws"); the proof is computed here from the primitives.
        ScramServerExchange server = new ScramServerExchange(PENCIL, "xyz");
        String serverFirst = string(server.serverFirst(bytes("y,,n=,r=abc")));
        assertEquals("r=abcxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", serverFirst);

        String withoutProof = "c=eSws,r=abcxyz";
        byte[] authMessage = bytes("n=,r=abc," + serverFirst + "," + withoutProof);
        byte[] salted = ScramCrypto.hi(bytes("pencil"), Rfc7677.SALT, 4096);
        byte[] clientKey = ScramCrypto.clientKey(salted);
        byte[] proof = ScramCrypto.xor(clientKey, ScramCrypto.hmac(ScramCrypto.sha256(clientKey), authMessage));
        String expectedSignature = Base64.getEncoder().encodeToString(
                ScramCrypto.hmac(ScramCrypto.serverKey(salted), authMessage));

        byte[] serverFinal = server.serverFinal(bytes(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)));
        assertEquals("v=" + expectedSignature, string(serverFinal));
        assertTrue(server.isAuthenticated());
    }

    @Test
    void channelBindingFlagMustBeRepeatedUnchanged() {
        // A client that said "y" but signs "n,," (c=biws): a man in the middle may have changed it.
        ScramServerExchange server = new ScramServerExchange(PENCIL, "xyz");
        ScramClientExchange client = new ScramClientExchange("pencil", "abc");
        client.clientFirst();
        byte[] clientFinal = client.clientFinal(server.serverFirst(bytes("y,,n=,r=abc")));
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> server.serverFinal(clientFinal));
        assertTrue(e.getMessage().contains("channel-binding"), e.getMessage());
    }

    @Test
    void authorizationIdentityIsRefused() {
        assertThrows(AuthenticationFailedException.class, () -> rfcServer().serverFirst(bytes("n,a=admin,n=,r=abc")));
    }

    @Test
    void extensionsBeforeTheProofAreSkipped() {
        ScramServerExchange server = rfcServer();
        server.serverFirst(bytes(Rfc7677.CLIENT_FIRST));
        // The extension is part of the signed AuthMessage, so the RFC proof no longer matches,
        // but it must be a proof failure, not a parse failure.
        String withExtension = Rfc7677.CLIENT_FINAL.replace(",p=", ",x=ext,p=");
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> server.serverFinal(bytes(withExtension)));
        assertTrue(e.getMessage().contains("proof does not match"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "n",
        "n,",
        "n,,",
        "x,,n=,r=abc",
        "nn,,n=,r=abc",
        "n,,r=abc",
        "n,,n=",
        "n,,n=,r=",
        "n,,n=,r=a b",
        "n,,n=,r=abc,",
        "n,,n=,r=abc,junk",
        "n,,m=ext,n=,r=abc",
        "n,,n=,r=abc\0",
        "n,x,n=,r=abc",
        "=,,n=,r=abc",
        ",,,",
    })
    void malformedClientFirstFails(String clientFirst) {
        assertThrows(AuthenticationFailedException.class, () -> rfcServer().serverFirst(bytes(clientFirst)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "c=biws",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzb",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=!!!!",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1",
        // someone else's nonce
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        // channel-binding attribute that is not the gs2 header sent first ("eSws" is "y,,")
        "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=***,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    })
    void malformedClientFinalFails(String clientFinal) {
        ScramServerExchange server = rfcServer();
        server.serverFirst(bytes(Rfc7677.CLIENT_FIRST));
        assertThrows(AuthenticationFailedException.class, () -> server.serverFinal(bytes(clientFinal)));
        assertFalse(server.isAuthenticated());
    }

    @Test
    void aFailedExchangeCannotBeResumed() {
        ScramServerExchange server = rfcServer();
        assertThrows(AuthenticationFailedException.class, () -> server.serverFirst(bytes("garbage")));
        assertThrows(IllegalStateException.class, () -> server.serverFirst(bytes(Rfc7677.CLIENT_FIRST)));
        assertThrows(IllegalStateException.class, () -> server.serverFinal(bytes(Rfc7677.CLIENT_FINAL)));
    }
}
