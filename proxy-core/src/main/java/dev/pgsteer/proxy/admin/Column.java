package dev.pgsteer.proxy.admin;

/** One column of a console result: its name and the PostgreSQL type it is described as. */
public record Column(String name, Type type) {

    /** The few types the console answers with; psql aligns numbers right and shows booleans as t/f. */
    public enum Type {
        TEXT(25), INT8(20), BOOL(16), NUMERIC(1700), TIMESTAMPTZ(1184);

        private final int oid;

        Type(int oid) {
            this.oid = oid;
        }

        public int oid() {
            return oid;
        }
    }

    public static Column text(String name) {
        return new Column(name, Type.TEXT);
    }

    public static Column int8(String name) {
        return new Column(name, Type.INT8);
    }

    /** A {@code BigDecimal} value. */
    public static Column numeric(String name) {
        return new Column(name, Type.NUMERIC);
    }

    /** An {@code OffsetDateTime} value, shown in UTC. */
    public static Column timestamptz(String name) {
        return new Column(name, Type.TIMESTAMPTZ);
    }

    public static Column bool(String name) {
        return new Column(name, Type.BOOL);
    }
}
