package dev.pgsteer.router.tenant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The LISTEN/NOTIFY namespace of one tenant whose backend database others share. PostgreSQL's
 * channels are per database, so the channel a tenant names is put, on the backend, behind a
 * prefix of its own: {@code acme:orders} for tenant acme's {@code orders}. A tenant id never holds
 * a {@code :}, so no tenant's channel can be written as another's; a long id is shortened with a
 * hash (and {@code ~}, which no id holds either) to leave room for the channel in PostgreSQL's 63
 * bytes. The session that has named no tenant has the prefix {@code :}.
 *
 * <p>On the way back a NotificationResponse's channel loses the prefix, and a notification on a
 * channel without it (one that server-side code sent or listened to under a name of its choosing)
 * is not the tenant's and is dropped.
 */
public record TenantChannel(byte[] prefix) {
    /** PostgreSQL's NAMEDATALEN - 1: the longest channel name, in bytes. */
    public static final int MAX_BYTES = 63;
    private static final int LONGEST_PLAIN_ID = 24;

    /** The namespace of tenant {@code id}; "" for a session that has named no tenant. */
    public static TenantChannel of(String id) {
        String prefix = id.length() <= LONGEST_PLAIN_ID ? id
                : id.substring(0, 11) + "~" + HexFormat.of().formatHex(sha256(id), 0, 6);
        return new TenantChannel((prefix + ":").getBytes(StandardCharsets.UTF_8));
    }

    /** How many bytes of a channel name the tenant may use. */
    public int maxChannelBytes() {
        return MAX_BYTES - prefix.length;
    }

    /** The backend's name for the tenant's {@code channel}; null when it does not fit in 63 bytes. */
    public byte[] backendName(byte[] channel) {
        if (channel.length > maxChannelBytes()) {
            return null;
        }
        byte[] out = Arrays.copyOf(prefix, prefix.length + channel.length);
        System.arraycopy(channel, 0, out, prefix.length, channel.length);
        return out;
    }

    /** The tenant's name for the backend's {@code channel}; null when the channel is not the tenant's. */
    public byte[] clientName(byte[] channel) {
        if (channel.length < prefix.length || !Arrays.equals(channel, 0, prefix.length, prefix, 0, prefix.length)) {
            return null;
        }
        return Arrays.copyOfRange(channel, prefix.length, channel.length);
    }

    public String prefixText() {
        return new String(prefix, StandardCharsets.UTF_8);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TenantChannel other && Arrays.equals(prefix, other.prefix);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(prefix);
    }

    @Override
    public String toString() {
        return "TenantChannel[" + prefixText() + "]";
    }
}
