package dev.pgsteer.protocol.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PgValuesTest {

    @Test
    void numericBinaryIsBase10000DigitsWithWeightSignAndScale() {
        // 12345.678: digits 1, 2345, 6780; weight 1; dscale 3 (numeric_send's layout).
        byte[] bytes = {0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c};
        assertArrayEquals(bytes, PgValues.numericBinary(new BigDecimal("12345.678")));
        assertEquals(new BigDecimal("12345.678"), PgValues.numericBinary(bytes).value());
        for (String v : new String[] {"0", "0.00", "-0.0001", "10000", "1e20", "-98765432109876543210.5"}) {
            BigDecimal d = new BigDecimal(v);
            BigDecimal back = PgValues.numericBinary(PgValues.numericBinary(d.setScale(Math.max(0, d.scale())))).value();
            assertEquals(0, d.compareTo(back), v);
        }
    }

    @ParameterizedTest(name = "avg {0}/{1} = {2}")
    @CsvSource({"3, 2, 1.5000000000000000", "10, 3, 3.3333333333333333", "100000, 3, 33333.333333333333",
            "7.25, 2, 3.6250000000000000", "1, 3, 0.33333333333333333333", "0, 5, 0.00000000000000000000"})
    void averageHasTheScalePostgresNumericDivisionGives(String sum, long count, String expected) {
        assertEquals(expected, PgValues.average(new BigDecimal(sum), count).toPlainString());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"1.5, 1.5", "2.0, 2", "1e15, 1e+15", "123456789012345, 123456789012345", "0.0001, 0.0001",
            "0.00001, 1e-05", "-2.75, -2.75", "0.1, 0.1", "1.5e-300, 1.5e-300"})
    void float8TextIsShortestExactLikePostgres(double value, String expected) {
        assertEquals(expected, PgValues.float8Text(value));
    }

    @Test
    void sortKeysOrderAsPostgres() {
        assertTrue(key(PgValues.NUMERIC, "NaN").compareTo(key(PgValues.NUMERIC, "1e100")) > 0);
        assertTrue(key(PgValues.NUMERIC, "2.50").compareTo(key(PgValues.NUMERIC, "2.5")) == 0);
        assertTrue(key(PgValues.TIMESTAMPTZ, "2025-01-01 10:00:00+02").compareTo(key(PgValues.TIMESTAMPTZ,
                "2025-01-01 09:00:00+00")) < 0);
        assertTrue(key(PgValues.DATE, "2025-01-02").compareTo(key(PgValues.DATE, "infinity")) < 0);
        assertTrue(key(PgValues.TEXT, "Z").compareTo(key(PgValues.TEXT, "a")) < 0, "collation C: byte order");
        assertTrue(key(PgValues.INT4, "-3").compareTo(key(PgValues.INT4, "2")) < 0);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Comparable key(int oid, String text) {
        return PgValues.sortKey(oid, false, text.getBytes(StandardCharsets.UTF_8));
    }
}
