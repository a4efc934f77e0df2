package dev.pgsteer.protocol;

/**
 * The SQLSTATE codes pgsteer itself raises. Errors that come from a backend keep their own code and
 * are relayed byte for byte; these are only for what the proxy decides on its own.
 *
 * @see <a href="https://www.postgresql.org/docs/current/errcodes-appendix.html">Appendix A</a>
 */
public enum SqlState {
    CONNECTION_EXCEPTION("08000"),
    CONNECTION_FAILURE("08006"),
    PROTOCOL_VIOLATION("08P01"),
    FEATURE_NOT_SUPPORTED("0A000"),
    INVALID_AUTHORIZATION_SPECIFICATION("28000"),
    INVALID_PASSWORD("28P01"),
    INVALID_CATALOG_NAME("3D000"),
    SYNTAX_ERROR("42601"),
    INSUFFICIENT_PRIVILEGE("42501"),
    TOO_MANY_CONNECTIONS("53300"),
    PROGRAM_LIMIT_EXCEEDED("54000"),
    QUERY_CANCELED("57014"),
    ADMIN_SHUTDOWN("57P01"),
    CANNOT_CONNECT_NOW("57P03"),
    INTERNAL_ERROR("XX000");

    private final String code;

    SqlState(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
