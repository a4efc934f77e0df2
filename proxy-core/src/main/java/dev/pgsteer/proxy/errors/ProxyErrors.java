package dev.pgsteer.proxy.errors;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse.Severity;
import dev.pgsteer.protocol.message.ErrorResponse;

/**
 * Every error pgsteer raises on its own, in one place, worded as PostgreSQL words its own where
 * PostgreSQL has one. Errors that come from a backend never pass through here: they are relayed as
 * the backend sent them.
 *
 * <p>A statement's error is severity ERROR and the session goes on ({@link #error}); a protocol
 * violation or a failed login is FATAL and the connection closes.
 */
public final class ProxyErrors {
    private ProxyErrors() {
    }

    /** A statement's error: the session goes on. */
    public static ErrorResponse error(SqlState state, String message) {
        return ErrorResponse.of(Severity.ERROR, state, message);
    }

    public static ErrorResponse error(SqlState state, String message, String hint) {
        return ErrorResponse.of(Severity.ERROR, state, message, null, hint);
    }

    /**
     * A statement's error whose SQLSTATE arrives as text: the router's, the tenant directory's, or one
     * a database gave pgsteer's own JDBC connection.
     */
    public static ErrorResponse error(String sqlState, String message, String hint) {
        return ErrorResponse.of(Severity.ERROR, sqlState, message, null, hint);
    }

    /** A warning the client's statement goes on after (NOTICE messages are WARNING severity, as PostgreSQL's). */
    public static ErrorResponse notice(SqlState state, String message) {
        return ErrorResponse.of(Severity.WARNING, state, message);
    }

    /** Parse of a named statement the session has prepared already. */
    public static ErrorResponse duplicateStatement(String name) {
        return error(SqlState.DUPLICATE_PREPARED_STATEMENT, "prepared statement \"" + name + "\" already exists");
    }

    /** Bind or Describe of a statement the session has not prepared. */
    public static ErrorResponse noSuchStatement(String name) {
        return error(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + name + "\" does not exist");
    }

    /** Execute or Describe of a portal the session has not bound (or that its last Sync closed). */
    public static ErrorResponse noSuchPortal(String name) {
        return error(SqlState.INVALID_CURSOR_NAME, "portal \"" + name + "\" does not exist");
    }

    public static ErrorResponse protocolViolation(String message) {
        return ErrorResponse.of(Severity.FATAL, SqlState.PROTOCOL_VIOLATION, message);
    }

    public static ErrorResponse fatal(SqlState state, String message) {
        return ErrorResponse.of(Severity.FATAL, state, message);
    }

    public static ErrorResponse unsupportedProtocol(int major, int minor) {
        return ErrorResponse.of(Severity.FATAL, SqlState.FEATURE_NOT_SUPPORTED,
                "unsupported frontend protocol " + major + "." + minor + ": server supports 3.0 to 3.0");
    }

    public static ErrorResponse noUserName() {
        return ErrorResponse.of(Severity.FATAL, SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                "no PostgreSQL user name specified in startup packet");
    }

    public static ErrorResponse passwordFailed(String user) {
        return ErrorResponse.of(Severity.FATAL, SqlState.INVALID_PASSWORD,
                "password authentication failed for user \"" + user + "\"");
    }

    public static ErrorResponse authenticationTimeout() {
        return ErrorResponse.of(Severity.FATAL, SqlState.CANNOT_CONNECT_NOW,
                "authentication timed out", null, "The client did not complete the login in time; pgsteer's auth_timeout sets the limit.");
    }

    public static ErrorResponse tooManyClients(int limit) {
        return ErrorResponse.of(Severity.FATAL, SqlState.TOO_MANY_CONNECTIONS,
                "sorry, too many clients already", "pgsteer accepts at most " + limit + " client connections.",
                "Raise max_client_connections, or close idle clients.");
    }

    public static ErrorResponse backendUnavailable(Severity severity, String backend, String cause) {
        return ErrorResponse.of(severity, SqlState.CONNECTION_FAILURE,
                "could not connect to backend \"" + backend + "\": " + cause, null,
                "Check that the PostgreSQL server of this backend is running and reachable from pgsteer.");
    }

    /** {@code tls.required}: a client began its login without TLS. PostgreSQL says so in 28000 too (no pg_hba.conf entry ... no encryption). */
    public static ErrorResponse tlsRequired() {
        return ErrorResponse.of(Severity.FATAL, SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                "pgsteer requires TLS: connect with sslmode=require (or verify-full)", null,
                "pgsteer's tls.required is true, so clients must ask for TLS (psql: sslmode=require; pgjdbc: sslmode=require).");
    }

    /** pgsteer's own TLS toward a backend failed: the server refused it, or its certificate did not pass the check. */
    public static ErrorResponse backendTls(Severity severity, String backend, String cause) {
        return ErrorResponse.of(severity, SqlState.CONNECTION_FAILURE,
                "could not connect to backend \"" + backend + "\": " + cause, null,
                "Check backends." + backend + ".sslmode and sslrootcert in pgsteer's configuration against the server's ssl settings.");
    }

    public static ErrorResponse backendLoginFailed(Severity severity, String backend, ErrorResponse backendError) {
        return ErrorResponse.of(severity, SqlState.CONNECTION_FAILURE,
                "backend \"" + backend + "\" refused pgsteer's login: " + backendError.message(), null,
                "Check the user and password in this backend's url.");
    }

    public static ErrorResponse backendLost(String backend) {
        return ErrorResponse.of(Severity.FATAL, SqlState.CONNECTION_FAILURE,
                "the connection to backend \"" + backend + "\" was lost", null,
                "The statement may or may not have completed on the backend; reconnect and check.");
    }

    public static ErrorResponse poolTimeout(String pool, long millis) {
        return ErrorResponse.of(Severity.ERROR, SqlState.TOO_MANY_CONNECTIONS,
                "no backend connection of pool \"" + pool + "\" became free within " + millis + " ms",
                null, "Raise the pool's size or acquire_timeout, or shorten the transactions that hold connections.");
    }

    /** What a failed lease, login or internal statement tells the client, at {@code severity}. */
    public static ErrorResponse of(Throwable cause, Severity severity) {
        if (cause instanceof BackendUnavailableException unavailable) {
            return unavailable.error().withSeverity(severity);
        }
        if (cause instanceof BackendErrorException backendError) {
            return backendError.error().withSeverity(severity);
        }
        return fatal(SqlState.INTERNAL_ERROR, String.valueOf(cause.getMessage())).withSeverity(severity);
    }

    public static ErrorResponse shuttingDown() {
        return ErrorResponse.of(Severity.FATAL, SqlState.ADMIN_SHUTDOWN, "terminating connection because pgsteer is shutting down");
    }
}
