package dev.pgsteer.proxy.sharding.shards;

/**
 * The catalog queries of a schema copy, in one place. "User objects" are those outside PostgreSQL's own
 * schemas and not members of an extension (an extension makes its own objects when it is created).
 * Every query runs with an empty {@code search_path}, so the definitions PostgreSQL prints name every
 * object with its schema, and read the same on the new server.
 */
final class CatalogSql {
    private CatalogSql() {
    }

    /** A namespace alias {@code n} outside PostgreSQL's own schemas. */
    static String userSchema(String n) {
        return n + ".nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND " + n + ".nspname NOT LIKE 'pg\\_temp\\_%' AND "
                + n + ".nspname NOT LIKE 'pg\\_toast\\_temp\\_%' AND " + onlySchema(n);
    }

    /**
     * The setting that restricts a copy to one schema (a tenant's, moved by MOVE TENANT): set in the copy's
     * transaction, every query reads that schema's objects only; unset (ADD SHARD), all user schemas.
     */
    static final String ONLY_SCHEMA = "pgsteer.copy_schema";

    static String onlySchema(String n) {
        return "coalesce(nullif(pg_catalog.current_setting('" + ONLY_SCHEMA + "', true), ''), " + n + ".nspname) = " + n + ".nspname";
    }

    /** Object {@code oid} of catalog {@code catalog} is not a member of an extension. */
    static String notInExtension(String oid, String catalog) {
        return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '" + catalog + "'::regclass AND d.objid = "
                + oid + " AND d.deptype = 'e')";
    }

    static final String EXTENSIONS = "SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
            + "ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' AND " + onlySchema("n") + " ORDER BY e.oid";

    static final String SCHEMAS = "SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE " + userSchema("n") + " AND "
            + notInExtension("n.oid", "pg_namespace") + " ORDER BY n.oid";

    static final String ENUMS = "SELECT t.oid, pg_catalog.format_type(t.oid, NULL) AS name, "
            + "(SELECT pg_catalog.array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) AS labels "
            + "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e' AND "
            + userSchema("n") + " AND " + notInExtension("t.oid", "pg_type") + " ORDER BY t.oid";

    /** Sequences that no identity column made (serial's and standalone ones), with their options and position. */
    static final String SEQUENCES = "SELECT pg_catalog.format('%I.%I', s.schemaname, s.sequencename) AS name, s.data_type::text, "
            + "s.start_value, s.min_value, s.max_value, s.increment_by, s.cycle, s.cache_size, s.last_value, c.oid, "
            + "(SELECT pg_catalog.format('%s.%I', d.refobjid::regclass, a.attname) FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a "
            + "ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
            + "AND d.deptype = 'a' AND d.refclassid = 'pg_class'::regclass) AS owned_by "
            + "FROM pg_catalog.pg_sequences s JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname "
            + "JOIN pg_catalog.pg_class c ON c.relname = s.sequencename AND c.relnamespace = n.oid "
            + "WHERE " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class") + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
            + "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i') ORDER BY c.oid";

    /** The last value of identity sequences, to carry on from there as pg_dump does. */
    static final String IDENTITY_VALUES = "SELECT pg_catalog.format('%I.%I', s.schemaname, s.sequencename) AS name, s.last_value "
            + "FROM pg_catalog.pg_sequences s JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname "
            + "JOIN pg_catalog.pg_class c ON c.relname = s.sequencename AND c.relnamespace = n.oid "
            + "WHERE " + userSchema("n") + " AND s.last_value IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
            + "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')";

    /** Plain tables (not partitions), {@code relpersistence} and options. */
    static final String TABLES = "SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) AS name, n.nspname, c.relname, "
            + "c.relpersistence, c.reloptions::text[] AS options FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind = 'r' AND NOT c.relispartition AND " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class")
            + " ORDER BY c.oid";

    /** One table's columns in order; the identity's sequence options come from {@code pg_sequence}. */
    static final String COLUMNS = "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, "
            + "pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS expr, a.attgenerated, a.attidentity, "
            + "CASE WHEN a.attcollation <> t.typcollation THEN (SELECT pg_catalog.format('%I.%I', cn.nspname, co.collname) "
            + "FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS collation, "
            + "pg_catalog.pg_get_serial_sequence(pg_catalog.format('%I.%I', n.nspname, c.relname), a.attname) AS sequence, "
            + "sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle "
            + "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
            + "LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
            + "LEFT JOIN pg_catalog.pg_depend dq ON a.attidentity <> '' AND dq.refclassid = 'pg_class'::regclass AND dq.refobjid = a.attrelid "
            + "AND dq.refobjsubid = a.attnum AND dq.classid = 'pg_class'::regclass AND dq.deptype = 'i' "
            + "LEFT JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = dq.objid "
            + "WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

    /** Table constraints but NOT NULL (a column's), primary keys, unique and exclusion constraints and checks first, foreign keys last. */
    static final String CONSTRAINTS = "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS table_name, pg_catalog.quote_ident(co.conname) AS conname, co.contype, "
            + "pg_catalog.pg_get_constraintdef(co.oid) AS def FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND NOT c.relispartition AND co.contype IN ('p', 'u', 'x', 'c', 'f') "
            + "AND co.conparentid = 0 AND " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class")
            + " ORDER BY co.contype = 'f', co.oid";

    /** Indexes that no constraint made. */
    static final String INDEXES = "SELECT pg_catalog.pg_get_indexdef(i.indexrelid) AS def FROM pg_catalog.pg_index i "
            + "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind = 'r' AND NOT c.relispartition AND " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class")
            + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x')) "
            + "ORDER BY i.indexrelid";

    static final String VIEWS = "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS name, c.reloptions::text[] AS options, "
            + "pg_catalog.pg_get_viewdef(c.oid) AS def FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind = 'v' AND " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class") + " ORDER BY c.oid";

    /** Functions and procedures; {@code atomic}: a {@code BEGIN ATOMIC} body, which names tables when it is created. */
    static final String FUNCTIONS = "SELECT p.oid::regprocedure::text AS name, pg_catalog.pg_get_functiondef(p.oid) AS def, "
            + "p.prosqlbody IS NOT NULL AS atomic FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            + "WHERE p.prokind IN ('f', 'p', 'w') AND " + userSchema("n") + " AND " + notInExtension("p.oid", "pg_proc") + " ORDER BY p.oid";

    /**
     * What a copy does not make, by kind and name: the copy refuses to run while any exists, since the new
     * shard would then differ from the others without anyone noticing.
     */
    static final String NOT_COPIED = "SELECT kind, name FROM ("
            + "SELECT 'trigger' AS kind, pg_catalog.format('%I on %s', t.tgname, t.tgrelid::regclass) AS name, 1 AS k, t.oid::bigint AS o "
            + "FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE NOT t.tgisinternal AND " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class")
            + " UNION ALL SELECT 'rule', pg_catalog.format('%I on %s', r.rulename, r.ev_class::regclass), 2, r.oid::bigint FROM pg_catalog.pg_rewrite r "
            + "JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE r.rulename <> '_RETURN' AND " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class")
            + " UNION ALL SELECT 'policy', pg_catalog.format('%I on %s', p.polname, p.polrelid::regclass), 3, p.oid::bigint FROM pg_catalog.pg_policy p"
            + " JOIN pg_catalog.pg_class c ON c.oid = p.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE " + onlySchema("n")
            + " UNION ALL SELECT 'row level security', c.oid::regclass::text, 4, c.oid::bigint FROM pg_catalog.pg_class c "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relrowsecurity AND " + userSchema("n")
            + " UNION ALL SELECT CASE c.relkind WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' "
            + "WHEN 'c' THEN 'composite type' ELSE 'partition' END, c.oid::regclass::text, 5, c.oid::bigint FROM pg_catalog.pg_class c "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE (c.relkind IN ('m', 'f', 'p', 'c') OR c.relispartition) AND "
            + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class")
            + " UNION ALL SELECT 'table inheritance', pg_catalog.format('%s inherits %s', i.inhrelid::regclass, i.inhparent::regclass), 6, i.inhrelid::bigint "
            + "FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE NOT c.relispartition AND " + onlySchema("n")
            + " UNION ALL SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range type' WHEN 'm' THEN 'multirange type' ELSE 'type' END, "
            + "pg_catalog.format_type(t.oid, NULL), 7, t.oid::bigint FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
            + "WHERE t.typtype IN ('d', 'r', 'm', 'b', 'p') AND " + userSchema("n") + " AND " + notInExtension("t.oid", "pg_type")
            // The array type PostgreSQL makes beside each table and type goes with it.
            + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)"
            // A range's multirange is named with the range.
            + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_range r WHERE r.rngmultitypid = t.oid)"
            + " UNION ALL SELECT 'aggregate', p.oid::regprocedure::text, 8, p.oid::bigint FROM pg_catalog.pg_proc p "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind = 'a' AND " + userSchema("n") + " AND "
            + notInExtension("p.oid", "pg_proc")
            + " UNION ALL SELECT 'collation', pg_catalog.format('%I.%I', n.nspname, co.collname), 9, co.oid::bigint FROM pg_catalog.pg_collation co "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace WHERE " + userSchema("n") + " AND " + notInExtension("co.oid", "pg_collation")
            + " UNION ALL SELECT 'operator', o.oid::regoperator::text, 10, o.oid::bigint FROM pg_catalog.pg_operator o "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE " + userSchema("n") + " AND " + notInExtension("o.oid", "pg_operator")
            + " UNION ALL SELECT 'text search configuration', cfg.oid::regconfig::text, 11, cfg.oid::bigint FROM pg_catalog.pg_ts_config cfg "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = cfg.cfgnamespace WHERE " + userSchema("n") + " AND " + notInExtension("cfg.oid", "pg_ts_config")
            + " UNION ALL SELECT 'cast', pg_catalog.format('(%s AS %s)', ca.castsource::regtype, ca.casttarget::regtype), 12, ca.oid::bigint "
            + "FROM pg_catalog.pg_cast ca WHERE ca.oid >= 16384 AND " + notInExtension("ca.oid", "pg_cast")
            + " AND coalesce(pg_catalog.current_setting('" + ONLY_SCHEMA + "', true), '') = ''"
            + " UNION ALL SELECT 'event trigger', pg_catalog.quote_ident(e.evtname), 13, e.oid::bigint FROM pg_catalog.pg_event_trigger e"
            + " WHERE coalesce(pg_catalog.current_setting('" + ONLY_SCHEMA + "', true), '') = ''"
            + ") o ORDER BY k, o";

    /** User tables, views and other relations of a server that should be empty. */
    static final String RELATIONS = "SELECT c.oid::regclass::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND " + userSchema("n") + " AND " + notInExtension("c.oid", "pg_class")
            + " ORDER BY 1";

    /** A table's columns and types in order, to compare with SCHEMA EXISTS. */
    static final String TABLE_SHAPE = "SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)), ', ' "
            + "ORDER BY a.attnum) FROM pg_catalog.pg_attribute a WHERE a.attrelid = pg_catalog.to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped";
}
