package dev.pgsteer.router.plan;

/**
 * Everything pgsteer decides about a statement from its shape: what it does, where it goes, and
 * how several shards' answers combine. Cached per shape, so it never holds a key value.
 * {@code multiShardRefusal} is the reason a statement that resolves to several shards must be
 * refused (an ORDER BY this version cannot merge, say), or null.
 */
public record Analysis(StatementKind kind, Placement placement, SelectMerge merge, String multiShardRefusal) {

    public static Analysis refused(String sqlState, String message) {
        return new Analysis(StatementKind.READ, new Placement.Refused(sqlState, message), null, null);
    }
}
