package dev.pgsteer.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Our client against our server, as the proxy will run them on either side of itself. */
class ScramRoundTripTest {

    @Test
    void rightPasswordSucceedsBothWays() {
        ScramVerifier verifier = ScramVerifier.fromPassword("correct horse");
        ScramClientExchange client = new ScramClientExchange("correct horse");
        ScramServerExchange server = new ScramServerExchange(verifier);

        byte[] serverFinal = server.serverFinal(client.clientFinal(server.serverFirst(client.clientFirst())));
        client.verifyServerFinal(serverFinal);

        assertTrue(server.isAuthenticated());
        assertTrue(client.isComplete());
    }

    @Test
    void wrongPasswordFailsAtTheServer() {
        ScramVerifier verifier = ScramVerifier.fromPassword("correct horse");
        ScramClientExchange client = new ScramClientExchange("battery staple");
        ScramServerExchange server = new ScramServerExchange(verifier);
        byte[] clientFinal = client.clientFinal(server.serverFirst(client.clientFirst()));
        assertThrows(AuthenticationFailedException.class, () -> server.serverFinal(clientFinal));
    }

    @Test
    void serverWithoutTheSecretFailsAtTheClient() {
        // A server that skips the proof check and signs with a ServerKey of its own (here: that of
        // another password) must be caught by the client, which is what SCRAM's mutual
        // authentication buys us toward backends.
        byte[] salt = {1, 2, 3, 4};
        ScramClientExchange client = new ScramClientExchange("correct horse", "cnonce");
        ScramServerExchange real = new ScramServerExchange(ScramVerifier.fromPassword("correct horse", salt, 4096),
                "snonce");
        byte[] serverFirst = real.serverFirst(client.clientFirst());
        byte[] clientFinal = client.clientFinal(serverFirst);

        byte[] impostorServerKey = ScramVerifier.fromPassword("other", salt, 4096).serverKey();
        String withoutProof = new String(clientFinal, StandardCharsets.US_ASCII).replaceFirst(",p=.*", "");
        byte[] authMessage = ("n=,r=cnonce," + new String(serverFirst, StandardCharsets.US_ASCII) + "," + withoutProof)
                .getBytes(StandardCharsets.US_ASCII);
        String forged = "v=" + Base64.getEncoder().encodeToString(ScramCrypto.hmac(impostorServerKey, authMessage));

        assertThrows(AuthenticationFailedException.class,
                () -> client.verifyServerFinal(forged.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void mutatedMessagesOnlyEverFailAsAuthenticationFailures() {
        // Truncations and byte flips of every message of a genuine exchange: whatever happens,
        // the only exception allowed is AuthenticationFailedException.
        Random random = new Random(42);
        ScramVerifier verifier = ScramVerifier.fromPassword("pencil", new byte[] {1, 2, 3, 4}, 16);
        for (int round = 0; round < 2000; round++) {
            ScramClientExchange client = new ScramClientExchange("pencil", "cnonce");
            ScramServerExchange server = new ScramServerExchange(verifier, "snonce");
            int step = round % 4;
            try {
                byte[] m = client.clientFirst();
                m = step == 0 ? mutate(m, random) : m;
                m = server.serverFirst(m);
                m = step == 1 ? mutate(m, random) : m;
                m = client.clientFinal(m);
                m = step == 2 ? mutate(m, random) : m;
                m = server.serverFinal(m);
                m = step == 3 ? mutate(m, random) : m;
                client.verifyServerFinal(m);
            } catch (AuthenticationFailedException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("round " + round + " threw " + e, e);
            }
        }
    }

    private static byte[] mutate(byte[] m, Random random) {
        byte[] out;
        if (random.nextBoolean()) {
            out = Arrays.copyOf(m, random.nextInt(m.length + 1));
        } else {
            out = m.clone();
            out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
        return out;
    }
}
