package dev.pgsteer.proxy.sharding;

import dev.pgsteer.router.sql.LexedStatement;

/** A statement the client prepared (Parse): its text, lexed, and the Parse's query and types to send on. */
record Prepared(LexedStatement statement, byte[] parseTail) {
}
