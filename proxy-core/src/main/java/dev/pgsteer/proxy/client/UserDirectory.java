package dev.pgsteer.proxy.client;

import dev.pgsteer.config.UserConfig;
import dev.pgsteer.protocol.auth.Md5Password;
import dev.pgsteer.protocol.auth.ScramVerifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The users clients log in as, with their secrets in the forms the exchanges need. SCRAM verifiers
 * of plain-text passwords are derived once here (4096 rounds of PBKDF2 each), at start, not per login.
 */
public final class UserDirectory {
    /** What a user's secret allows: a SCRAM verifier always; the plain password or MD5 hash when known. */
    public record Secret(ScramVerifier scram, String md5OrPassword) {
        @Override
        public String toString() {
            return "Secret[hidden]";
        }
    }

    private final Map<String, Secret> secrets = new HashMap<>();
    /** Answers for unknown users, so that a login fails the same way, at the same step, as a wrong password. */
    private final Secret decoy = new Secret(ScramVerifier.fromPassword(UUID.randomUUID().toString()), null);

    public UserDirectory(Map<String, UserConfig> users) {
        users.forEach((name, user) -> secrets.put(name, secretOf(user.password())));
    }

    private static Secret secretOf(String password) {
        if (password == null) {
            return null;
        }
        if (ScramVerifier.looksLike(password)) {
            return new Secret(ScramVerifier.parse(password), null);
        }
        if (Md5Password.looksLikeHash(password)) {
            return new Secret(null, password);
        }
        return new Secret(ScramVerifier.fromPassword(password), password);
    }

    public boolean knows(String user) {
        return secrets.containsKey(user);
    }

    public Optional<Secret> secret(String user) {
        return Optional.ofNullable(secrets.get(user));
    }

    public Secret decoy() {
        return decoy;
    }
}
