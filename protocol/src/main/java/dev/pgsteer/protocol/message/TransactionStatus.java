package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.ProtocolViolationException;

/** The status byte of ReadyForQuery. */
public enum TransactionStatus {
    IDLE('I'),
    IN_TRANSACTION('T'),
    FAILED('E');

    private final char code;

    TransactionStatus(char code) {
        this.code = code;
    }

    public char code() {
        return code;
    }

    public static TransactionStatus of(byte code) {
        return switch (code) {
            case 'I' -> IDLE;
            case 'T' -> IN_TRANSACTION;
            case 'E' -> FAILED;
            default -> throw new ProtocolViolationException("unknown transaction status '" + (char) code + "' in ReadyForQuery");
        };
    }
}
