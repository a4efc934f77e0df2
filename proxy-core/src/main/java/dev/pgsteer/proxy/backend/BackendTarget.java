package dev.pgsteer.proxy.backend;

/** Where and as whom a pool's connections log in. {@code name} is the backend's name in the config, for messages. */
public record BackendTarget(String name, String host, int port, String user, String password, String database) {

    /** The pool's name in messages and metrics: {@code backend/database/user}. */
    public String poolName() {
        return name + "/" + database + "/" + user;
    }

    @Override
    public String toString() {
        return "BackendTarget[" + poolName() + " at " + host + ":" + port + "]";
    }
}
