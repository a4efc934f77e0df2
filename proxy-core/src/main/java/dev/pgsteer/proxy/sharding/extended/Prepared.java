package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.router.sql.LexedStatement;
import java.util.List;

/**
 * A statement the client prepared (Parse): its text, lexed, and the Parse's query and types to send
 * on. A named one also has the proxy-wide name it is prepared under on the shards' connections, so
 * that executing it again does not parse it again; an unnamed one (null) is parsed with each use, as
 * the client itself does. One made by SQL PREPARE also has its parameters' types, as PostgreSQL names
 * them ({@code sqlTypes}; null for a Parse), which its EXECUTE writes its arguments as.
 */
public record Prepared(LexedStatement statement, byte[] parseTail, String backendName, List<String> sqlTypes) {

    /** A statement of the protocol's Parse. */
    public Prepared(LexedStatement statement, byte[] parseTail, String backendName) {
        this(statement, parseTail, backendName, null);
    }
}
