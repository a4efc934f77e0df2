package dev.pgsteer.config;

import java.util.Objects;

/**
 * A client login the proxy accepts: {@code users.<name>}. The password is kept exactly as written
 * (after {@code ${ENV}} interpolation); the protocol layer reads its form through {@link #passwordKind()}.
 * It is null only when {@code auth: trust}. An {@code admin} user may also connect to the virtual
 * database {@value ProxyConfig#ADMIN_DATABASE}, the admin console. A user with a {@code tenant} is
 * pinned to it: its sessions serve that tenant and cannot name another (null: it names its tenant).
 */
public record UserConfig(String name, String password, boolean admin, String tenant) {

    public UserConfig {
        Objects.requireNonNull(name, "name");
    }

    /** A user who is not an admin. */
    public UserConfig(String name, String password) {
        this(name, password, false, null);
    }

    /** A user pinned to no tenant. */
    public UserConfig(String name, String password, boolean admin) {
        this(name, password, admin, null);
    }

    public PasswordKind passwordKind() {
        return password == null ? null : PasswordKind.of(password);
    }

    @Override
    public String toString() {
        return "UserConfig[name=" + name + ", password=" + (password == null ? "none" : "***") + ", admin=" + admin
                + (tenant == null ? "" : ", tenant=" + tenant) + "]";
    }
}
