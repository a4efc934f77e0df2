package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.router.sql.LexedStatement;

/**
 * A statement the client prepared (Parse): its text, lexed, and the Parse's query and types to send
 * on. A named one also has the proxy-wide name it is prepared under on the shards' connections, so
 * that executing it again does not parse it again; an unnamed one (null) is parsed with each use, as
 * the client itself does.
 */
public record Prepared(LexedStatement statement, byte[] parseTail, String backendName) {
}
