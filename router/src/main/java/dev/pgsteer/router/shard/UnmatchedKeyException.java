package dev.pgsteer.router.shard;

/**
 * A key value that no range or list of its table holds, so no shard can take the row:
 * {@code no shard of table "regions" holds region = 'mars'; its list has eu, us, apac}.
 */
public final class UnmatchedKeyException extends RuntimeException {

    private final String table;
    private final KeyValue value;

    public UnmatchedKeyException(String table, String key, KeyValue value, String whatItHas) {
        super("no shard of table \"" + table + "\" holds " + key + " = " + value.literal() + "; " + whatItHas);
        this.table = table;
        this.value = value;
    }

    public String table() {
        return table;
    }

    public KeyValue value() {
        return value;
    }
}
