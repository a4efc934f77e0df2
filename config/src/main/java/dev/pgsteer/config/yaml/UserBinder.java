package dev.pgsteer.config.yaml;

import dev.pgsteer.config.AuthMethod;
import dev.pgsteer.config.PasswordKind;
import dev.pgsteer.config.UserConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/**
 * {@code users:}: each user's password, admin flag and tenant. A stored hash is checked against the
 * auth method here, so that a password which could never let its user in is reported at load.
 */
final class UserBinder {

    static final List<String> USER_KEYS = List.of("password", "admin", "tenant");

    private final NodeReader reader;
    /** Where each user's {@code tenant:} was written, to point at it once the tenants are known. */
    private final Map<String, Node> tenantNodes = new LinkedHashMap<>();

    UserBinder(NodeReader reader) {
        this.reader = reader;
    }

    /** The {@code tenant:} node of each user that has one, by user name. */
    Map<String, Node> tenantNodes() {
        return tenantNodes;
    }

    Map<String, UserConfig> users(Section top, AuthMethod auth) {
        Map<String, UserConfig> users = new LinkedHashMap<>();
        Optional<Node> node = top.value("users");
        if (node.isEmpty() || NodeReader.isNull(node.get())) {
            return users;
        }
        reader.section(node.get(), "users", "users: { alice: { password: secret } }").ifPresent(section ->
                section.entries().forEach((name, entry) ->
                        user(name, entry, section.pathOf(name), auth).ifPresent(u -> users.put(name, u))));
        return users;
    }

    private Optional<UserConfig> user(String name, Section.Entry entry, String path, AuthMethod auth) {
        Optional<Section> user = NodeReader.isNull(entry.value())
                ? Optional.of(new Section(path, entry.value(), Map.of()))
                : reader.section(entry.value(), path, "{ password: secret }");
        if (user.isEmpty()) {
            return Optional.empty();
        }
        reader.allowOnly(user.get(), USER_KEYS);
        boolean admin = reader.bool(user.get(), "admin").orElse(false);
        String tenant = reader.text(user.get(), "tenant").orElse(null);
        user.get().value("tenant").ifPresent(node -> tenantNodes.put(name, node));
        Optional<Node> written = user.get().value("password").filter(n -> !NodeReader.isNull(n));
        if (written.isEmpty()) {
            if (auth != AuthMethod.TRUST) {
                reader.problem(entry.key(), "user '" + name + "' has no password, but auth is " + auth.configName(),
                        "give it a password (plain text, a SCRAM verifier, an md5 hash or ${ENV}), "
                                + "or set auth: trust");
            }
            return Optional.of(new UserConfig(name, null, admin, tenant));
        }
        // An unusable password (an unset ${ENV}) was reported by text(); the user is dropped with it.
        return reader.text(user.get(), "password")
                .filter(password -> passwordFits(password, written.get(), user.get().pathOf("password"), auth))
                .map(password -> new UserConfig(name, password, admin, tenant));
    }

    /** A stored hash can check only the login method it was made for; say so now rather than at every login. */
    private boolean passwordFits(String password, Node at, String path, AuthMethod auth) {
        PasswordKind kind = PasswordKind.of(password);
        if (kind == PasswordKind.SCRAM_VERIFIER && !PasswordKind.isWellFormedScramVerifier(password)) {
            reader.problem(at, path + " starts like a SCRAM verifier but is not a whole one",
                    "paste all of it from pg_authid.rolpassword: "
                            + "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>");
            return false;
        }
        if (!kind.canCheck(auth)) {
            boolean md5 = kind == PasswordKind.MD5_HASH;
            reader.problem(at, path + " is " + (md5 ? "an md5 hash" : "a SCRAM verifier")
                            + ", which cannot check logins when auth is " + auth.configName(),
                    "give the plain password or " + (md5 ? "a SCRAM verifier" : "an md5 hash") + ", or set auth: "
                            + (md5 ? "md5" : "scram-sha-256"));
            return false;
        }
        return true;
    }
}
