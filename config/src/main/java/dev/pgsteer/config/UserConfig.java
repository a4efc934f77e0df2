package dev.pgsteer.config;

import java.util.Objects;

/**
 * A client login the proxy accepts: {@code users.<name>}. The password is kept exactly as written
 * (after {@code ${ENV}} interpolation); the protocol layer reads its form through {@link #passwordKind()}.
 * It is null only when {@code auth: trust}. An {@code admin} user may also connect to the virtual
 * database {@value ProxyConfig#ADMIN_DATABASE}, the admin console.
 */
public record UserConfig(String name, String password, boolean admin) {

    public UserConfig {
        Objects.requireNonNull(name, "name");
    }

    /** A user who is not an admin. */
    public UserConfig(String name, String password) {
        this(name, password, false);
    }

    public PasswordKind passwordKind() {
        return password == null ? null : PasswordKind.of(password);
    }

    @Override
    public String toString() {
        return "UserConfig[name=" + name + ", password=" + (password == null ? "none" : "***") + ", admin=" + admin + "]";
    }
}
