package dev.pgsteer.protocol.auth;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The client side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), as libpq runs it in
 * src/interfaces/libpq/fe-auth-scram.c. We play it toward a backend PostgreSQL.
 *
 * <p>The gs2 header is "n,,": we do not do channel binding. The SCRAM username is left empty, as
 * libpq does, because PostgreSQL authenticates the startup packet's user and ignores this one.
 * After {@link #verifyServerFinal} returns, the server has proven that it knows the secret too, so
 * a man in the middle without the verifier cannot pretend to be it. One instance serves one
 * exchange.
 */
public final class ScramClientExchange {

    private static final String GS2_HEADER = "n,,";

    private enum State { INITIAL, AWAITING_SERVER_FIRST, AWAITING_SERVER_FINAL, DONE, FAILED }

    private final byte[] password;
    private final String username;
    private final String clientNonce;
    private State state = State.INITIAL;

    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramClientExchange(String password) {
        this(password, ScramCrypto.newNonce());
    }

    /** For tests: a fixed client nonce. */
    ScramClientExchange(String password, String clientNonce) {
        this(password, clientNonce, "");
    }

    /** For tests: a fixed nonce and a SCRAM username, as RFC 7677's example sends "user". */
    ScramClientExchange(String password, String clientNonce, String username) {
        this.username = Objects.requireNonNull(username, "username");
        if (username.indexOf(',') >= 0 || username.indexOf('=') >= 0) {
            throw new IllegalArgumentException("username would need saslname escaping");
        }
        this.password = ScramCrypto.passwordBytes(Objects.requireNonNull(password, "password"));
        this.clientNonce = Objects.requireNonNull(clientNonce, "clientNonce");
        if (clientNonce.isEmpty() || !ScramMessageReader.isPrintable(clientNonce)) {
            throw new IllegalArgumentException("a client nonce must be non-empty printable ASCII without commas");
        }
    }

    /** The client-first-message, the data of SASLInitialResponse for mechanism SCRAM-SHA-256. */
    public byte[] clientFirst() {
        requireState(State.INITIAL);
        clientFirstBare = "n=" + username + ",r=" + clientNonce;
        state = State.AWAITING_SERVER_FIRST;
        return ScramMessageReader.bytes(GS2_HEADER + clientFirstBare);
    }

    /**
     * Reads the server-first-message (the data of AuthenticationSASLContinue) and returns the
     * client-final-message with our proof (the data of SASLResponse).
     */
    public byte[] clientFinal(byte[] serverFirstMessage) {
        requireState(State.AWAITING_SERVER_FIRST);
        state = State.FAILED;
        ScramMessageReader in = ScramMessageReader.of(serverFirstMessage, "server-first-message");
        if (in.peek() == 'm') {
            throw new AuthenticationFailedException("server requires an unsupported SCRAM extension");
        }
        String nonce = in.read('r');
        // The server must extend our nonce, not replace it, or this could be a replayed exchange.
        if (nonce.length() <= clientNonce.length() || !nonce.startsWith(clientNonce)
                || !ScramMessageReader.isPrintable(nonce)) {
            throw new AuthenticationFailedException("invalid SCRAM response (nonce mismatch)");
        }
        byte[] salt = in.readBase64('s');
        if (salt.length == 0) {
            throw in.malformed("empty salt");
        }
        int iterations = parseIterations(in, in.read('i'));
        while (!in.atEnd()) {
            in.readAny(); // extensions, which RFC 5802 lets a client ignore
        }

        byte[] saltedPassword = ScramCrypto.hi(password, salt, iterations);
        byte[] clientKey = ScramCrypto.clientKey(saltedPassword);
        byte[] storedKey = ScramCrypto.sha256(clientKey);
        byte[] serverKey = ScramCrypto.serverKey(saltedPassword);
        Arrays.fill(saltedPassword, (byte) 0);

        String withoutProof = "c=" + Base64.getEncoder().encodeToString(ScramMessageReader.bytes(GS2_HEADER))
                + ",r=" + nonce;
        byte[] authMessage = ScramMessageReader.bytes(clientFirstBare + "," + in.message() + "," + withoutProof);
        byte[] proof = ScramCrypto.xor(clientKey, ScramCrypto.hmac(storedKey, authMessage));
        expectedServerSignature = ScramCrypto.hmac(serverKey, authMessage);
        Arrays.fill(clientKey, (byte) 0);

        state = State.AWAITING_SERVER_FINAL;
        return ScramMessageReader.bytes(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof));
    }

    /**
     * Checks the server-final-message (the data of AuthenticationSASLFinal).
     *
     * @throws AuthenticationFailedException if the server reports an error ("e=…") or its
     *     signature does not prove it knows the secret
     */
    public void verifyServerFinal(byte[] serverFinalMessage) {
        requireState(State.AWAITING_SERVER_FINAL);
        state = State.FAILED;
        ScramMessageReader in = ScramMessageReader.of(serverFinalMessage, "server-final-message");
        if (in.peek() == 'e') {
            // server-error-value is a fixed token such as "invalid-proof"; no secret in it.
            throw new AuthenticationFailedException("error received from server in SCRAM exchange: " + in.read('e'));
        }
        byte[] signature = in.readBase64('v');
        while (!in.atEnd()) {
            in.readAny();
        }
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new AuthenticationFailedException("incorrect server signature");
        }
        state = State.DONE;
    }

    /** Whether the server has proven it knows the secret. */
    public boolean isComplete() {
        return state == State.DONE;
    }

    private static int parseIterations(ScramMessageReader in, String value) {
        // Digits only, so "+5", " 5" or "5x" are refused; a count of 1 is weak but legal.
        if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw in.malformed("invalid iteration count");
        }
        long iterations = Long.parseLong(value);
        if (iterations < 1 || iterations > Integer.MAX_VALUE) {
            throw in.malformed("invalid iteration count");
        }
        return (int) iterations;
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM exchange is " + state + ", not " + expected);
        }
    }

    @Override
    public String toString() {
        return "ScramClientExchange[" + state + "]";
    }
}
