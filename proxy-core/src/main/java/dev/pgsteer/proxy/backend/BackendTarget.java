package dev.pgsteer.proxy.backend;

import dev.pgsteer.config.BackendConfig;

/** Where and as whom a pool's connections log in. {@code name} is the backend's name in the config, for messages. */
public record BackendTarget(String name, String host, int port, String user, String password, String database) {

    /** {@code database} on the server of {@code backend}, as the user of its url. */
    public static BackendTarget of(BackendConfig backend, String database) {
        return new BackendTarget(backend.name(), backend.url().host(), backend.url().port(), backend.url().user(),
                backend.url().password(), database);
    }

    /** The same server and database, logged in to as another user (a tenant's own role). */
    public BackendTarget loggingInAs(String otherUser, String otherPassword) {
        return new BackendTarget(name, host, port, otherUser, otherPassword, database);
    }

    /** The pool's name in messages and metrics: {@code backend/database/user}. */
    public String poolName() {
        return name + "/" + database + "/" + user;
    }

    @Override
    public String toString() {
        return "BackendTarget[" + poolName() + " at " + host + ":" + port + "]";
    }
}
