package dev.pgsteer.protocol.auth;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), as PostgreSQL runs it in
 * src/backend/libpq/auth-scram.c. We play it toward clients, checking their proof against a stored
 * {@link ScramVerifier}.
 *
 * <pre>
 * client → SASLInitialResponse  gs2-header client-first-message-bare   "n,,n=,r=cnonce"
 * server ← SASLContinue         server-first-message                   "r=cnonce+snonce,s=salt,i=4096"
 * client → SASLResponse         client-final-message                   "c=biws,r=cnonce+snonce,p=proof"
 * server ← SASLFinal            server-final-message                   "v=signature"
 * </pre>
 *
 * <p>Only SCRAM-SHA-256 is offered, never SCRAM-SHA-256-PLUS: a client may say it does not
 * support channel binding ("n") or that it does but thinks we do not ("y", which is true), and
 * one that insists on binding ("p=…") is refused. The SCRAM username is ignored, as PostgreSQL
 * ignores it in favour of the startup packet's user. One instance serves one exchange.
 */
public final class ScramServerExchange {

    private enum State { AWAITING_CLIENT_FIRST, AWAITING_CLIENT_FINAL, DONE, FAILED }

    private final ScramVerifier verifier;
    private final String serverNonce;
    private State state = State.AWAITING_CLIENT_FIRST;

    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String combinedNonce;

    public ScramServerExchange(ScramVerifier verifier) {
        this(verifier, ScramCrypto.newNonce());
    }

    /** For tests: a fixed server nonce (the part appended to the client's). */
    ScramServerExchange(ScramVerifier verifier, String serverNonce) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.serverNonce = Objects.requireNonNull(serverNonce, "serverNonce");
        if (serverNonce.isEmpty() || !ScramMessageReader.isPrintable(serverNonce)) {
            throw new IllegalArgumentException("a server nonce must be non-empty printable ASCII without commas");
        }
    }

    /**
     * Reads the client-first-message (the data of SASLInitialResponse) and returns the
     * server-first-message (the data of AuthenticationSASLContinue).
     */
    public byte[] serverFirst(byte[] clientFirstMessage) {
        requireState(State.AWAITING_CLIENT_FIRST);
        state = State.FAILED; // until proven otherwise
        ScramMessageReader in = ScramMessageReader.of(clientFirstMessage, "client-first-message");

        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        switch (in.peek()) {
            case 'n', 'y' -> in.expect(in.peek(), "channel-binding flag");
            case 'p' -> throw new AuthenticationFailedException(
                    "client requires SCRAM channel binding, but it is not supported");
            default -> throw in.malformed("unexpected channel-binding flag");
        }
        in.expect(',', "comma expected after channel-binding flag");
        if (in.peek() == 'a') {
            throw new AuthenticationFailedException(
                    "client uses authorization identity, but it is not supported");
        }
        in.expect(',', "unexpected attribute in gs2 header");
        gs2Header = in.message().substring(0, in.position());

        clientFirstBare = in.message().substring(in.position());
        if (in.peek() == 'm') {
            throw new AuthenticationFailedException("client requires an unsupported SCRAM extension");
        }
        in.read('n'); // username: PostgreSQL uses the startup packet's user instead
        String clientNonce = in.read('r');
        if (clientNonce.isEmpty() || !ScramMessageReader.isPrintable(clientNonce)) {
            throw in.malformed("non-printable characters in nonce");
        }
        while (!in.atEnd()) {
            in.readAny(); // optional extensions, which we do not understand and may ignore
        }

        combinedNonce = clientNonce + serverNonce;
        serverFirst = "r=" + combinedNonce
                + ",s=" + Base64.getEncoder().encodeToString(verifier.saltUnsafe())
                + ",i=" + verifier.iterations();
        state = State.AWAITING_CLIENT_FINAL;
        return ScramMessageReader.bytes(serverFirst);
    }

    /**
     * Reads the client-final-message (the data of SASLResponse), checks the proof, and returns the
     * server-final-message (the data of AuthenticationSASLFinal) that proves we know the secret too.
     *
     * @throws AuthenticationFailedException for a wrong proof, a foreign nonce or a malformed message
     */
    public byte[] serverFinal(byte[] clientFinalMessage) {
        requireState(State.AWAITING_CLIENT_FINAL);
        state = State.FAILED;
        ScramMessageReader in = ScramMessageReader.of(clientFinalMessage, "client-final-message");

        // The channel-binding attribute repeats the gs2 header; with no binding data it must be
        // exactly the header the client sent first ("biws" for "n,,", "eSws" for "y,,"), else a
        // man in the middle could have changed the flag.
        byte[] channelBinding = in.readBase64('c');
        if (!MessageDigest.isEqual(channelBinding, ScramMessageReader.bytes(gs2Header))) {
            throw new AuthenticationFailedException(
                    "unexpected SCRAM channel-binding attribute in client-final-message");
        }
        String nonce = in.read('r');
        if (!MessageDigest.isEqual(ScramMessageReader.bytes(nonce), ScramMessageReader.bytes(combinedNonce))) {
            throw new AuthenticationFailedException("SCRAM nonce mismatch");
        }
        char attr;
        int proofStart;
        do {
            proofStart = in.position();
            if (in.atEnd()) {
                throw in.malformed("proof missing");
            }
            attr = in.peek();
            if (attr != 'p') {
                in.readAny(); // extensions
            }
        } while (attr != 'p');
        byte[] proof = in.readBase64('p');
        in.end();
        if (proof.length != ScramCrypto.KEY_LENGTH) {
            throw in.malformed("proof has the wrong length");
        }

        // client-final-message-without-proof is everything before ",p="
        String withoutProof = in.message().substring(0, proofStart - 1);
        byte[] authMessage = ScramMessageReader.bytes(clientFirstBare + "," + serverFirst + "," + withoutProof);

        // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the client knew the password
        // (or ClientKey) iff H(ClientKey) = StoredKey.
        byte[] clientSignature = ScramCrypto.hmac(verifier.storedKeyUnsafe(), authMessage);
        byte[] clientKey = ScramCrypto.xor(proof, clientSignature);
        if (!MessageDigest.isEqual(ScramCrypto.sha256(clientKey), verifier.storedKeyUnsafe())) {
            throw new AuthenticationFailedException("SCRAM proof does not match the stored secret");
        }

        byte[] serverSignature = ScramCrypto.hmac(verifier.serverKeyUnsafe(), authMessage);
        state = State.DONE;
        return ScramMessageReader.bytes("v=" + Base64.getEncoder().encodeToString(serverSignature));
    }

    /** Whether the client has proven it knows the password. */
    public boolean isAuthenticated() {
        return state == State.DONE;
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM exchange is " + state + ", not " + expected);
        }
    }

    @Override
    public String toString() {
        return "ScramServerExchange[" + state + "]";
    }
}
