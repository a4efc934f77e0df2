package dev.pgsteer.proxy.sharding.transaction;

import java.util.Optional;

/**
 * The name of one two-phase commit: {@code pgsteer_<node>_<sequence>}, and on each shard
 * {@code pgsteer_<node>_<sequence>@<shard>} (PostgreSQL wants a gid unique per server, and two shards
 * may be two databases of one server). The node says which pgsteer instance made it, so that a
 * resolver touches only the prepared transactions of the node it resolves. Node ids are letters and
 * digits, never {@code _}, so a gid parses back without ambiguity.
 */
public record Gid(String node, String sequence) {
    static final String PREFIX = "pgsteer_";
    /** What separates the decision's gid from the shard in a prepared transaction's name. */
    public static final String SHARD_SEPARATOR = "@";

    public Gid {
        if (!isNodeId(node)) {
            throw new IllegalArgumentException("a node id is letters and digits, not '" + node + "'");
        }
        if (sequence.isEmpty() || sequence.contains(SHARD_SEPARATOR)) {
            throw new IllegalArgumentException("bad gid sequence '" + sequence + "'");
        }
    }

    public static boolean isNodeId(String node) {
        return node != null && !node.isEmpty() && node.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c));
    }

    /** {@code pgsteer_<node>_<sequence>}: the decision's key in a decision log. */
    public String text() {
        return PREFIX + node + "_" + sequence;
    }

    /** The name the transaction is prepared under on {@code shard}. */
    public String onShard(String shard) {
        return text() + SHARD_SEPARATOR + shard;
    }

    /**
     * A name read from {@code pg_prepared_xacts} or a decision log: {@code pgsteer_<node>_<sequence>},
     * with or without {@code @<shard>}. Empty for any other transaction (an application's own).
     */
    public static Optional<Gid> parse(String name) {
        int at = name.indexOf(SHARD_SEPARATOR);
        String gid = at < 0 ? name : name.substring(0, at);
        if (!gid.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int sep = gid.indexOf('_', PREFIX.length());
        if (sep < 0) {
            return Optional.empty();
        }
        String node = gid.substring(PREFIX.length(), sep);
        String sequence = gid.substring(sep + 1);
        if (!isNodeId(node) || sequence.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Gid(node, sequence));
    }

    @Override
    public String toString() {
        return text();
    }
}
