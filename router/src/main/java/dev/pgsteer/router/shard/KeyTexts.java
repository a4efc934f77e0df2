package dev.pgsteer.router.shard;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How shard key values read and print as text, and PostgreSQL's representations of dates and times. */
final class KeyTexts {
    private KeyTexts() {
    }

    static InvalidShardKeyException notValid(String text, String typeName) {
        return new InvalidShardKeyException("'" + text + "' is not a valid " + typeName + " shard key");
    }

    static long integer(String text) {
        String s = text.strip();
        int i = 0;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        int radix = 10;
        if (s.length() > i + 1 && s.charAt(i) == '0') {
            switch (s.charAt(i + 1)) {
                case 'x', 'X' -> radix = 16;
                case 'o', 'O' -> radix = 8;
                case 'b', 'B' -> radix = 2;
                default -> { }
            }
            if (radix != 10) {
                i += 2;
            }
        }
        StringBuilder digits = new StringBuilder(s.length() + 1);
        if (negative) {
            digits.append('-');
        }
        boolean lastWasDigit = false;
        for (; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (Character.digit(ch, radix) >= 0 && ch < 128) {
                digits.append(ch);
                lastWasDigit = true;
            } else if (ch == '_' && lastWasDigit && i + 1 < s.length() && Character.digit(s.charAt(i + 1), radix) >= 0) {
                lastWasDigit = false;
            } else {
                throw notValid(text, "integer");
            }
        }
        if (!lastWasDigit) {
            throw notValid(text, "integer");
        }
        try {
            return Long.parseLong(digits.toString(), radix);
        } catch (NumberFormatException e) {
            throw new InvalidShardKeyException("'" + text + "' is out of range for an integer shard key (bigint)");
        }
    }

    /** uuid_in: optional braces, 32 hex digits, a hyphen allowed after each group of four. */
    static UUID uuid(String text) {
        String s = text.strip();
        int i = 0;
        int end = s.length();
        if (s.startsWith("{")) {
            if (!s.endsWith("}") || s.length() < 2) {
                throw notValid(text, "uuid");
            }
            i = 1;
            end--;
        }
        long msb = 0;
        long lsb = 0;
        for (int nibble = 0; nibble < 32; nibble++) {
            if (i >= end) {
                throw notValid(text, "uuid");
            }
            int d = Character.digit(s.charAt(i++), 16);
            if (d < 0 || s.charAt(i - 1) >= 128) {
                throw notValid(text, "uuid");
            }
            if (nibble < 16) {
                msb = msb << 4 | d;
            } else {
                lsb = lsb << 4 | d;
            }
            if (nibble % 4 == 3 && nibble < 31 && i < end && s.charAt(i) == '-') {
                i++;
            }
        }
        if (i != end) {
            throw notValid(text, "uuid");
        }
        return new UUID(msb, lsb);
    }

    private static final long PG_EPOCH_SECONDS = PgHash.PG_EPOCH_DAYS * 86_400;

    private static final Pattern DATE_TIME = Pattern.compile(
            "(\\d{4,})-(\\d{1,2})-(\\d{1,2})"
                    + "(?:(?:\\s+|T)(\\d{1,2}):(\\d{2})(?::(\\d{2})(\\.\\d+)?)?)?"
                    + "\\s*(Z|z|[+-]\\d{1,2}(?::?\\d{2}(?::?\\d{2})?)?|UTC|GMT|utc|gmt|[A-Za-z]+/[A-Za-z0-9_/+-]+)?"
                    + "\\s*(BC|AD|bc|ad)?");

    /** A date in PostgreSQL's days since 2000-01-01. */
    static LocalDate fromPgDays(int days) {
        if (days == Integer.MAX_VALUE) {
            return LocalDate.MAX;
        }
        if (days == Integer.MIN_VALUE) {
            return LocalDate.MIN;
        }
        return LocalDate.ofEpochDay(days + PgHash.PG_EPOCH_DAYS);
    }

    static Instant fromPgMicros(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        long microOfSecond = Math.floorMod(micros, 1_000_000L);
        return Instant.ofEpochSecond(seconds + PG_EPOCH_SECONDS, microOfSecond * 1000);
    }

    /** Microseconds since 2000-01-01 of an epoch second and nano; {@code what} names it in an overflow error, if given. */
    static long micros(long epochSecond, int nano, String what) {
        try {
            return Math.addExact(Math.multiplyExact(epochSecond - PG_EPOCH_SECONDS, 1_000_000L), nano / 1000);
        } catch (ArithmeticException e) {
            throw new InvalidShardKeyException("timestamp " + what + " is out of range for a timestamp shard key");
        }
    }

    static LocalDate parseDate(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "infinity", "+infinity" -> {
                return LocalDate.MAX;
            }
            case "-infinity" -> {
                return LocalDate.MIN;
            }
            case "epoch" -> {
                return LocalDate.EPOCH;
            }
            default -> { }
        }
        // date_in takes a timestamp too and keeps its date: the time, and any zone, are ignored.
        return parse(text, "date").date;
    }

    static LocalDateTime parseTimestamp(String text) {
        LocalDateTime special = special(text);
        if (special != null) {
            return special;
        }
        Parsed p = parse(text, "timestamp");
        return p.localDateTime(text, "timestamp");
    }

    static Instant parseTimestampTz(String text, ZoneId sessionZone) {
        LocalDateTime special = special(text);
        if (special != null) {
            return special.equals(LocalDateTime.MAX) ? Instant.MAX
                    : special.equals(LocalDateTime.MIN) ? Instant.MIN : special.toInstant(ZoneOffset.UTC);
        }
        Parsed p = parse(text, "timestamptz");
        LocalDateTime local = p.localDateTime(text, "timestamptz");
        ZoneId zone = p.zone != null ? p.zone : sessionZone;
        return ZonedDateTime.of(local, zone).toInstant();
    }

    private static LocalDateTime special(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "infinity", "+infinity" -> LocalDateTime.MAX;
            case "-infinity" -> LocalDateTime.MIN;
            case "epoch" -> LocalDateTime.of(1970, 1, 1, 0, 0);
            default -> null;
        };
    }

    private record Parsed(LocalDate date, long microOfDay, ZoneId zone) {
        LocalDateTime localDateTime(String text, String typeName) {
            try {
                return date.atStartOfDay().plus(microOfDay, ChronoUnit.MICROS);
            } catch (DateTimeException | ArithmeticException e) {
                throw notValid(text, typeName);
            }
        }
    }

    private static Parsed parse(String text, String typeName) {
        Matcher m = DATE_TIME.matcher(text.strip());
        if (!m.matches()) {
            throw notValid(text, typeName);
        }
        try {
            int year = Integer.parseInt(m.group(1));
            if (m.group(9) != null && m.group(9).equalsIgnoreCase("BC")) {
                if (year == 0) {
                    throw notValid(text, typeName);
                }
                year = 1 - year;
            }
            LocalDate date = LocalDate.of(year, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            long micros = 0;
            if (m.group(4) != null) {
                int hour = Integer.parseInt(m.group(4));
                int minute = Integer.parseInt(m.group(5));
                int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
                // ParseFractionalSecond: rint(strtod(".ddd") * 1e6), so rounding matches bit for bit.
                long fraction = m.group(7) == null ? 0 : (long) Math.rint(Double.parseDouble(m.group(7)) * 1_000_000);
                // As the backend: minutes and seconds below 60 (60 seconds allowed, for a leap
                // second), hours up to 24 only for 24:00:00.
                if (minute > 59 || second > 60 || hour > 24
                        || hour == 24 && (minute != 0 || second != 0 || fraction != 0)) {
                    throw notValid(text, typeName);
                }
                micros = ((hour * 60L + minute) * 60 + second) * 1_000_000 + fraction;
            }
            ZoneId zone = m.group(8) == null ? null : zone(m.group(8));
            return new Parsed(date, micros, zone);
        } catch (DateTimeException | NumberFormatException e) {
            throw notValid(text, typeName);
        }
    }

    private static ZoneId zone(String z) {
        if (z.equalsIgnoreCase("Z") || z.equalsIgnoreCase("UTC") || z.equalsIgnoreCase("GMT")) {
            return ZoneOffset.UTC;
        }
        char sign = z.charAt(0);
        if (sign != '+' && sign != '-') {
            return ZoneId.of(z);
        }
        String digits = z.substring(1).replace(":", "");
        int hours;
        int minutes = 0;
        int seconds = 0;
        if (digits.length() <= 2) {
            hours = Integer.parseInt(digits);
        } else {
            // HMM, HHMM, HHMMSS, HMMSS: the last two or four digits are minutes and seconds.
            int hourDigits = digits.length() % 2 == 1 ? 1 : 2;
            hours = Integer.parseInt(digits.substring(0, hourDigits));
            minutes = Integer.parseInt(digits.substring(hourDigits, hourDigits + 2));
            if (digits.length() > hourDigits + 2) {
                seconds = Integer.parseInt(digits.substring(hourDigits + 2));
            }
        }
        int total = (hours * 3600 + minutes * 60 + seconds) * (sign == '-' ? -1 : 1);
        return ZoneOffset.ofTotalSeconds(total);
    }

    static String dateText(LocalDate d) {
        int year = d.getYear();
        String body = String.format(Locale.ROOT, "%04d-%02d-%02d", year > 0 ? year : 1 - year, d.getMonthValue(), d.getDayOfMonth());
        return year > 0 ? body : body + " BC";
    }

    static String timestampText(LocalDateTime t) {
        StringBuilder s = new StringBuilder(dateText(t.toLocalDate()));
        String bc = "";
        if (s.toString().endsWith(" BC")) {
            s.setLength(s.length() - 3);
            bc = " BC";
        }
        s.append(String.format(Locale.ROOT, " %02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            String frac = String.format(Locale.ROOT, ".%06d", micros);
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') {
                end--;
            }
            s.append(frac, 0, end);
        }
        return s.append(bc).toString();
    }
}
