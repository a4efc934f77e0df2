package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;

/** How many SELECT words a statement holds (outside strings and comments): more than one means a subquery. */
public final class SelectWords {
    private SelectWords() {
    }

    public static int count(String statement) {
        byte[] bytes = statement.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
        int selects = 0;
        while (t.next() != SqlTokenizer.Kind.END) {
            if (t.isWord("select")) {
                selects++;
            }
        }
        return selects;
    }
}
