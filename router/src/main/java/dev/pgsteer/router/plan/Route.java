package dev.pgsteer.router.plan;

import java.util.List;
import java.util.Map;

/**
 * Where one statement runs, with its values known: the shards (in shard-map order), how their
 * answers combine, and, where the statement must be rewritten per shard (a multi-row INSERT split
 * by key, a SELECT rewritten for merging), the text each shard runs. {@code merge} says how a
 * multi-shard SELECT's rows are merged (null: concatenated). When the rewritten text of a shard has
 * parameters of its own numbering, {@code parametersByShard} says for each of its {@code $k} which of
 * the client's parameters it is ({@code [k - 1]} holds that number). {@code why} is for EXPLAIN ROUTE and logs.
 */
public record Route(List<String> shards, Answer answer, StatementKind kind, String why, Map<String, String> textByShard,
        SelectMerge merge, Map<String, int[]> parametersByShard) {

    public Route {
        shards = List.copyOf(shards);
        textByShard = Map.copyOf(textByShard);
        parametersByShard = Map.copyOf(parametersByShard);
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("a route needs at least one shard");
        }
    }

    public Route(List<String> shards, Answer answer, StatementKind kind, String why, Map<String, String> textByShard,
                 SelectMerge merge) {
        this(shards, answer, kind, why, textByShard, merge, Map.of());
    }

    public static Route one(String shard, StatementKind kind, String why) {
        return new Route(List.of(shard), Answer.ONE, kind, why, Map.of(), null);
    }

    public boolean isSingleShard() {
        return shards.size() == 1;
    }
}
