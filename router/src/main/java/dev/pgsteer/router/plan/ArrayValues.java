package dev.pgsteer.router.plan;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The elements of a one-dimensional array value, as PostgreSQL writes it: text ({@code {1,2,"a b",NULL}})
 * or binary (array_send: ndim, flags, element type, then per dimension size and lower bound, then
 * each element as int32 length and bytes, -1 for NULL). Null elements come back as null.
 */
public final class ArrayValues {
    private ArrayValues() {
    }

    public static List<KeySource> elements(KeySource array) throws RoutingException {
        return array.isBinary() ? binary(array.binary()) : text(array.text());
    }

    private static List<KeySource> binary(byte[] bytes) throws RoutingException {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int dimensions = in.getInt();
            in.getInt();
            in.getInt();
            if (dimensions == 0) {
                return List.of();
            }
            if (dimensions != 1) {
                throw new RoutingException("22023", "a shard key array must have one dimension, not " + dimensions);
            }
            int size = in.getInt();
            in.getInt();
            List<KeySource> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                int length = in.getInt();
                if (length < 0) {
                    out.add(null);
                } else {
                    byte[] element = new byte[length];
                    in.get(element);
                    out.add(KeySource.binary(element));
                }
            }
            return out;
        } catch (BufferUnderflowException e) {
            throw new RoutingException("22P03", "malformed binary array for a shard key");
        }
    }

    private static List<KeySource> text(String text) throws RoutingException {
        String t = text.trim();
        if (t.length() < 2 || t.charAt(0) != '{' || t.charAt(t.length() - 1) != '}') {
            throw new RoutingException("22P02", "malformed array literal for a shard key: \"" + text + "\"");
        }
        List<KeySource> out = new ArrayList<>();
        String body = t.substring(1, t.length() - 1);
        int i = 0;
        while (i < body.length()) {
            while (i < body.length() && Character.isWhitespace(body.charAt(i))) {
                i++;
            }
            if (i >= body.length()) {
                break;
            }
            StringBuilder element = new StringBuilder();
            boolean quoted = body.charAt(i) == '"';
            if (quoted) {
                i++;
                while (i < body.length() && body.charAt(i) != '"') {
                    if (body.charAt(i) == '\\' && i + 1 < body.length()) {
                        i++;
                    }
                    element.append(body.charAt(i++));
                }
                i++;
            } else {
                while (i < body.length() && body.charAt(i) != ',') {
                    element.append(body.charAt(i++));
                }
            }
            String value = quoted ? element.toString() : element.toString().trim();
            out.add(!quoted && value.equalsIgnoreCase("NULL") ? null : KeySource.text(value));
            while (i < body.length() && body.charAt(i) != ',') {
                i++;
            }
            i++;
        }
        return out;
    }
}
