package dev.pgsteer.proxy.sharding.coordinator;

import java.util.List;

/**
 * Rows a shard holds that routing does not give it, which a coordinator step's pulls must leave out:
 * while a bucket moves, its rows are on two shards (the target's copy before the flip, the source's
 * until it is deleted after), and a pull from both would read them twice. pgsteer writes each shard's
 * pull itself, so it adds the shard's conditions there ({@link PullStatements#withShards}).
 */
@FunctionalInterface
public interface HiddenRows {

    HiddenRows NONE = (table, shard) -> List.of();

    /** Conditions over {@code table}'s plain column names that {@code shard}'s pull of it must also meet; empty: none. */
    List<String> on(String table, String shard);
}
