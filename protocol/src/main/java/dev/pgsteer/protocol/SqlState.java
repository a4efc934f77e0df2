package dev.pgsteer.protocol;

/**
 * Every SQLSTATE pgsteer raises or routes on its own. Errors that come from a backend keep their own
 * code and are relayed byte for byte; these are only for what the proxy decides itself, and each is
 * the code PostgreSQL gives the same condition, so a driver reacts to pgsteer's error as to the
 * server's.
 *
 * <p>The router module does not depend on this one and still spells its codes as strings; they are
 * listed here all the same, so this is the one table of what a client can get from pgsteer.
 *
 * @see <a href="https://www.postgresql.org/docs/current/errcodes-appendix.html">Appendix A</a>
 */
public enum SqlState {
    /** A NOTICE, not an error: EXPLAIN of a statement that runs on several shards shows one shard's plan. */
    WARNING("01000"),
    CONNECTION_EXCEPTION("08000"),
    /** A backend cannot be reached, refused pgsteer's login or was lost mid-statement. */
    CONNECTION_FAILURE("08006"),
    /** A malformed message: FATAL, the connection closes. */
    PROTOCOL_VIOLATION("08P01"),
    /** SQL pgsteer cannot route or merge across shards, and admin commands it does not run. */
    FEATURE_NOT_SUPPORTED("0A000"),
    /** A value out of range for a setting or command: a row limit, a tenant name, a listen channel. */
    INVALID_PARAMETER_VALUE("22023"),
    /** A shard key whose text is not a value of its type. */
    INVALID_TEXT_REPRESENTATION("22P02"),
    /** A shard key sent in binary that does not decode as its type. */
    INVALID_BINARY_REPRESENTATION("22P03"),
    /** A row of a sharded table without its shard key. */
    NOT_NULL_VIOLATION("23502"),
    /** A key no shard's range accepts: PostgreSQL's word for a row no partition accepts. */
    CHECK_VIOLATION("23514"),
    /** A statement or tenant switch that may not run inside a transaction block. */
    ACTIVE_SQL_TRANSACTION("25001"),
    /** A NOTICE for COMMIT or ROLLBACK outside a transaction, as PostgreSQL's. */
    NO_ACTIVE_SQL_TRANSACTION("25P01"),
    /** A statement after an error inside a transaction, before its ROLLBACK. */
    IN_FAILED_SQL_TRANSACTION("25P02"),
    /** Bind or Describe of a prepared statement the session has not prepared. */
    INVALID_SQL_STATEMENT_NAME("26000"),
    /** A login without what it needs, or a statement without a tenant where one is needed. */
    INVALID_AUTHORIZATION_SPECIFICATION("28000"),
    INVALID_PASSWORD("28P01"),
    /** Execute or Describe of a portal the session has not bound. */
    INVALID_CURSOR_NAME("34000"),
    /** A database, or a tenant, that does not exist. */
    INVALID_CATALOG_NAME("3D000"),
    /** A transaction reached a hash bucket that moved to another shard after it started: retry it. */
    SERIALIZATION_FAILURE("40001"),
    SYNTAX_ERROR("42601"),
    INSUFFICIENT_PRIVILEGE("42501"),
    NAME_TOO_LONG("42622"),
    /** A shard that the database does not have. */
    UNDEFINED_OBJECT("42704"),
    /** A tenant that exists already. */
    DUPLICATE_OBJECT("42710"),
    UNDEFINED_TABLE("42P01"),
    /** Parse of a named statement that exists already. */
    DUPLICATE_PREPARED_STATEMENT("42P05"),
    /** A shard key that the statement does not name, or an ORDER BY outside the select list. */
    INVALID_COLUMN_REFERENCE("42P10"),
    /** Too many clients, or no pooled connection free in time. */
    TOO_MANY_CONNECTIONS("53300"),
    PROGRAM_LIMIT_EXCEEDED("54000"),
    /** A portal that cannot run again, a tenant that is moving. */
    OBJECT_NOT_IN_PREREQUISITE_STATE("55000"),
    /** A write held by a bucket move's cutover longer than its bound: retry it. */
    LOCK_NOT_AVAILABLE("55P03"),
    QUERY_CANCELED("57014"),
    ADMIN_SHUTDOWN("57P01"),
    CANNOT_CONNECT_NOW("57P03"),
    /** The tenant directory's metadata store did not answer. */
    SYSTEM_ERROR("58000"),
    /** A file an admin command was asked to read is not there. */
    UNDEFINED_FILE("58P01"),
    /** RELOAD found a configuration it cannot use. */
    CONFIG_FILE_ERROR("F0000"),
    /** A failure of pgsteer's own, not of the statement. */
    INTERNAL_ERROR("XX000");

    private final String code;

    SqlState(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The constant for a five-character code, for codes that arrive as text (the router's); null if pgsteer has none. */
    public static SqlState of(String code) {
        for (SqlState state : values()) {
            if (state.code.equals(code)) {
                return state;
            }
        }
        return null;
    }
}
