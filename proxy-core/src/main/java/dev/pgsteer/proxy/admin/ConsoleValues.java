package dev.pgsteer.proxy.admin;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The console's numeric and timestamptz values in PostgreSQL's text and binary forms (as numeric_send, timestamptz_send). */
final class ConsoleValues {
    private static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    private static final DateTimeFormatter TEXT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private ConsoleValues() {
    }

    /** {@code 2026-12-07 23:50:32.123456+00}: in UTC, as PostgreSQL prints it with TimeZone UTC. */
    static String timestamptzText(OffsetDateTime t) {
        return TEXT.format(t.withOffsetSameInstant(ZoneOffset.UTC)) + "+00";
    }

    /** int64 microseconds since 2000-01-01 UTC. */
    static byte[] timestamptzBinary(OffsetDateTime t) {
        Duration since = Duration.between(PG_EPOCH, t.toInstant());
        long micros = since.getSeconds() * 1_000_000L + since.getNano() / 1_000;
        return ByteBuffer.allocate(8).putLong(micros).array();
    }

    /** int16 ndigits | int16 weight | int16 sign | int16 dscale | int16 digits[] (base 10000). */
    static byte[] numericBinary(BigDecimal value) {
        int dscale = Math.max(0, value.scale());
        BigDecimal abs = value.abs().setScale(dscale);
        String plain = abs.toPlainString();
        String whole = plain.contains(".") ? plain.substring(0, plain.indexOf('.')) : plain;
        String fraction = plain.contains(".") ? plain.substring(plain.indexOf('.') + 1) : "";
        whole = whole.replaceFirst("^0+", "");
        int pad = (4 - whole.length() % 4) % 4;
        whole = "0".repeat(pad) + whole;
        fraction = fraction + "0".repeat((4 - fraction.length() % 4) % 4);
        List<Short> digits = new ArrayList<>();
        for (int i = 0; i < whole.length(); i += 4) {
            digits.add(Short.parseShort(whole.substring(i, i + 4)));
        }
        int weight = digits.size() - 1;
        for (int i = 0; i < fraction.length(); i += 4) {
            digits.add(Short.parseShort(fraction.substring(i, i + 4)));
        }
        // PostgreSQL strips leading and trailing zero digits.
        while (!digits.isEmpty() && digits.getFirst() == 0) {
            digits.removeFirst();
            weight--;
        }
        while (!digits.isEmpty() && digits.getLast() == 0) {
            digits.removeLast();
        }
        if (digits.isEmpty()) {
            weight = 0;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(8 + 2 * digits.size());
        head.putShort((short) digits.size()).putShort((short) weight)
                .putShort((short) (value.signum() < 0 ? 0x4000 : 0)).putShort((short) dscale);
        digits.forEach(head::putShort);
        out.writeBytes(head.array());
        return out.toByteArray();
    }
}
