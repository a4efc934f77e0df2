package dev.pgsteer.proxy.relay.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proxy-wide names for prepared statements: the same SQL with the same parameter types gets the
 * same backend-side name in every session, so sessions that move between pooled connections find
 * their statements already prepared where others prepared them.
 */
public final class StatementRegistry {
    /** Never the name of a registered statement (not hex): closing it is a no-op that answers CloseComplete. */
    public static final String PLACEHOLDER = "pgsteer_none";
    private static final String PREFIX = "pgsteer_";

    private final ConcurrentHashMap<String, byte[]> tails = new ConcurrentHashMap<>();
    private final ParsedStatements parsed = new ParsedStatements();

    /** Which of these statements PostgreSQL parsed without error, and where. */
    public ParsedStatements parsed() {
        return parsed;
    }

    /** The name for a Parse's query and types, remembering them to prepare it on other connections. */
    public String nameFor(ByteBuf parseTail) {
        byte[] tail = ByteBufUtil.getBytes(parseTail);
        String name = PREFIX + HexFormat.of().formatHex(sha256(tail), 0, 12);
        tails.putIfAbsent(name, tail);
        return name;
    }

    /** What follows the name in the Parse that prepares {@code name}. */
    public byte[] tail(String name) {
        byte[] tail = tails.get(name);
        if (tail == null) {
            throw new IllegalStateException("no statement registered as " + name);
        }
        return tail;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
