package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.store.MetadataStoreException;
import dev.pgsteer.config.store.TenantExistsException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.tenant.control.TenantLifecycle;

/** The errors the console answers with: for statements it does not run, and for commands that could not do their job. */
final class ConsoleErrors {
    private ConsoleErrors() {
    }

    /** The error for a statement the console does not run, or null when it runs it. */
    static ErrorResponse refusal(AdminCommands.Parsed parsed, AdminCommands commands) {
        return switch (parsed) {
            case AdminCommands.Parsed.Unknown unknown -> ProxyErrors.error(SqlState.SYNTAX_ERROR,
                    "unknown admin console command: " + unknown.text(),
                    "The commands are " + commands.names() + ".");
            case AdminCommands.Parsed.NotACommand sql -> ProxyErrors.error(SqlState.FEATURE_NOT_SUPPORTED,
                    "the admin console runs only its own commands, not SQL: " + abbreviated(sql.text()),
                    "Connect to one of pgsteer's databases to run SQL. Here the commands are " + commands.names() + ".");
            case AdminCommands.Parsed.Invalid invalid -> ProxyErrors.error(invalid.error().sqlState(),
                    invalid.error().getMessage(), invalid.error().hint());
            case AdminCommands.Parsed.Run run -> null;
            case AdminCommands.Parsed.Ignored ignored -> null;
            case AdminCommands.Parsed.Empty empty -> null;
        };
    }

    /** The error of a command that could not do what it was asked, or null for a failure of pgsteer's own. */
    static ErrorResponse refusalOf(AdminCommand command, Throwable cause) {
        return switch (cause) {
            case CommandError e -> e.error();
            case AdminCommandException e -> ProxyErrors.error(e.sqlState(), e.getMessage(), e.hint());
            case TenantLifecycle.Refused e -> ProxyErrors.error(e.sqlState(), e.getMessage(), null);
            case TenantExistsException e -> ProxyErrors.error(SqlState.DUPLICATE_OBJECT, e.getMessage());
            case MetadataStoreException e -> ProxyErrors.error(SqlState.SYSTEM_ERROR, command.name() + ": " + e.getMessage(),
                    "the directory is unchanged; retry once the metadata store answers (SHOW METADATA)");
            default -> null;
        };
    }

    /** A failure of pgsteer's own while running {@code command}. */
    static ErrorResponse failed(AdminCommand command, Throwable cause) {
        return ProxyErrors.error(SqlState.INTERNAL_ERROR, command.name() + " failed: " + cause);
    }

    /** Parse of a query with several statements, as PostgreSQL refuses it. */
    static ErrorResponse multipleCommands() {
        return ProxyErrors.error(SqlState.SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
    }

    static ErrorResponse parameters(int supplied, String statement) {
        return ProxyErrors.error(SqlState.PROTOCOL_VIOLATION, "bind message supplies " + supplied
                + " parameters, but prepared statement \"" + statement + "\" requires 0");
    }

    static ErrorResponse resultFormats(int formats, int columns) {
        return ProxyErrors.error(SqlState.PROTOCOL_VIOLATION, "bind message has " + formats
                + " result formats but query has " + columns + " columns");
    }

    private static String abbreviated(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
