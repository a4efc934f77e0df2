package dev.pgsteer.proxy.sharding.copy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Cuts the data of a {@code COPY ... FROM STDIN} in text or CSV format into rows, however the client
 * chunked it into CopyData messages, and reads one field of each (the shard key) so that the row can
 * go to its shard. Rows are handed on as the bytes they came as. Text format: a row ends at a newline
 * (data newlines are escaped as {@code \n}), fields are split by the delimiter, backslash escapes
 * and {@code \N} for NULL. CSV: a row ends at a newline outside quotes, quotes are doubled or escaped
 * by the ESCAPE character, and an unquoted empty field is NULL.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-copy.html">COPY</a>
 */
public final class CopyRowSplitter {

    /** Receives each row: its bytes (newline included) and its key field, null when the key is NULL. */
    interface RowSink {
        void row(byte[] bytes, int offset, int length, String key);
    }

    private final boolean csv;
    private final byte delimiter;
    private final byte quote;
    private final byte escape;
    private final String nullText;
    private final int keyField;
    private boolean skipHeader;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private boolean inQuotes;
    private boolean pendingEscape;
    private boolean ended;

    public CopyRowSplitter(boolean csv, char delimiter, char quote, char escape, String nullText, int keyField, boolean header) {
        this.csv = csv;
        this.delimiter = (byte) delimiter;
        this.quote = (byte) quote;
        this.escape = (byte) escape;
        this.nullText = nullText;
        this.keyField = keyField;
        this.skipHeader = header;
    }

    /** Takes the next chunk; complete rows go to {@code sink}, with the header row (if any) flagged by a null key and header=true. */
    public void feed(byte[] chunk, RowSink sink, RowSink header) {
        int start = 0;
        for (int i = 0; i < chunk.length && !ended; i++) {
            byte b = chunk[i];
            if (csv) {
                // Toggling at every quote also reads a doubled quote ("") right, even split across chunks.
                if (pendingEscape) {
                    pendingEscape = false;
                    continue;
                }
                if (inQuotes && escape != quote && b == escape) {
                    pendingEscape = true;
                    continue;
                }
                if (b == quote) {
                    inQuotes = !inQuotes;
                    continue;
                }
            }
            if (b == '\n' && !inQuotes) {
                partial.write(chunk, start, i + 1 - start);
                start = i + 1;
                emit(sink, header);
            }
        }
        if (!ended && start < chunk.length) {
            partial.write(chunk, start, chunk.length - start);
        }
    }

    /** At CopyDone: a last row without its newline is still a row. */
    public void finish(RowSink sink, RowSink header) {
        if (!ended && partial.size() > 0) {
            partial.write('\n');
            emit(sink, header);
        }
    }

    private void emit(RowSink sink, RowSink header) {
        byte[] row = partial.toByteArray();
        partial.reset();
        if (!csv && row.length >= 2 && row[0] == '\\' && row[1] == '.' && (row.length == 3 || (row.length == 4 && row[2] == '\r'))) {
            ended = true;
            return;
        }
        if (skipHeader) {
            skipHeader = false;
            header.row(row, 0, row.length, null);
            return;
        }
        sink.row(row, 0, row.length, csv ? csvField(row) : textField(row));
    }

    private String textField(byte[] row) {
        int field = 0;
        int i = 0;
        int end = lineEnd(row);
        while (field < keyField && i < end) {
            if (row[i] == '\\') {
                i += 2;
                continue;
            }
            if (row[i] == delimiter) {
                field++;
            }
            i++;
        }
        if (field < keyField) {
            return null;
        }
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        int from = i;
        while (i < end && row[i] != delimiter) {
            if (row[i] == '\\' && i + 1 < end) {
                byte e = row[++i];
                value.write(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'v' -> 0x0b;
                    default -> e;
                });
            } else {
                value.write(row[i]);
            }
            i++;
        }
        String raw = new String(row, from, i - from, StandardCharsets.UTF_8);
        return raw.equals(nullText) ? null : value.toString(StandardCharsets.UTF_8);
    }

    private String csvField(byte[] row) {
        int end = lineEnd(row);
        int field = 0;
        int i = 0;
        boolean quoted = false;
        while (i < end && field < keyField) {
            byte b = row[i];
            if (quoted) {
                if (b == escape && i + 1 < end && row[i + 1] == quote) {
                    i += 2;
                    continue;
                }
                if (b == quote) {
                    quoted = false;
                }
            } else if (b == quote) {
                quoted = true;
            } else if (b == delimiter) {
                field++;
            }
            i++;
        }
        if (field < keyField) {
            return null;
        }
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        boolean anyQuote = false;
        quoted = false;
        while (i < end) {
            byte b = row[i];
            if (quoted) {
                if (b == escape && i + 1 < end && row[i + 1] == quote) {
                    value.write(quote);
                    i += 2;
                    continue;
                }
                if (b == quote) {
                    quoted = false;
                } else {
                    value.write(b);
                }
            } else if (b == quote) {
                quoted = true;
                anyQuote = true;
            } else if (b == delimiter) {
                break;
            } else {
                value.write(b);
            }
            i++;
        }
        String text = value.toString(StandardCharsets.UTF_8);
        return !anyQuote && text.equals(nullText) ? null : text;
    }

    private static int lineEnd(byte[] row) {
        int end = row.length;
        if (end > 0 && row[end - 1] == '\n') {
            end--;
        }
        if (end > 0 && row[end - 1] == '\r') {
            end--;
        }
        return end;
    }
}
