package dev.pgsteer.proxy.sharding.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;


class CopyRowSplitterTest {
    final List<String> rows = new ArrayList<>();
    final List<String> keys = new ArrayList<>();
    final List<String> headers = new ArrayList<>();

    void feedInPieces(CopyRowSplitter splitter, String data, int piece) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += piece) {
            byte[] chunk = java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece));
            splitter.feed(chunk, this::row, this::header);
        }
        splitter.finish(this::row, this::header);
    }

    void row(byte[] b, int off, int len, String key) {
        rows.add(new String(b, off, len, StandardCharsets.UTF_8));
        keys.add(key);
    }

    void header(byte[] b, int off, int len, String key) {
        headers.add(new String(b, off, len, StandardCharsets.UTF_8));
    }

    @Test
    void textRowsAreCutAtNewlinesWhateverTheChunksAndTheKeyIsUnescaped() {
        String data = "1\t10\tfirst\n2\t2\\t0\tsec\\nond\n3\t\\N\tthird\n\\.\n";
        for (int piece = 1; piece <= data.length(); piece++) {
            rows.clear();
            keys.clear();
            feedInPieces(new CopyRowSplitter(false, '\t', '"', '"', "\\N", 1, false), data, piece);
            assertEquals(List.of("1\t10\tfirst\n", "2\t2\\t0\tsec\\nond\n", "3\t\\N\tthird\n"), rows, "pieces of " + piece);
            assertEquals(java.util.Arrays.asList("10", "2\t0", null), keys);
        }
    }

    @Test
    void csvQuotesMayHoldNewlinesDelimitersAndDoubledQuotes() {
        String data = "id,customer_id,note\n1,\"7\",\"a, \"\"b\"\"\nc\"\n2,,x\n3,\"\",y\n";
        for (int piece = 1; piece <= data.length(); piece++) {
            rows.clear();
            keys.clear();
            headers.clear();
            feedInPieces(new CopyRowSplitter(true, ',', '"', '"', "", 1, true), data, piece);
            assertEquals(List.of("id,customer_id,note\n"), headers);
            assertEquals(List.of("1,\"7\",\"a, \"\"b\"\"\nc\"\n", "2,,x\n", "3,\"\",y\n"), rows, "pieces of " + piece);
            assertEquals(java.util.Arrays.asList("7", null, ""), keys);
        }
    }

    @Test
    void aLastRowWithoutNewlineIsStillARow() {
        feedInPieces(new CopyRowSplitter(false, '\t', '"', '"', "\\N", 0, false), "5\tx\n6\ty", 3);
        assertEquals(List.of("5", "6"), keys);
        assertTrue(rows.get(1).endsWith("\n"));
    }
}
