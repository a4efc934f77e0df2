package dev.pgsteer.protocol.message.frontend;

/** What a Describe or Close names: a prepared statement ({@code 'S'}) or a portal ({@code 'P'}). */
public enum Target {
    STATEMENT('S'),
    PORTAL('P');

    private final byte code;

    Target(char code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The target a kind byte names; FrontendFrames has refused any other byte before a view reads one. */
    public static Target of(byte kind) {
        return switch (kind) {
            case 'S' -> STATEMENT;
            case 'P' -> PORTAL;
            default -> throw new IllegalArgumentException("no Describe or Close target " + (kind & 0xff));
        };
    }
}
