package dev.pgsteer.router.tenant;

import java.util.Set;

/**
 * The built-in functions drivers call through the FunctionCall message: the large-object API
 * (pgjdbc's LargeObjectManager, libpq's lo_* functions). Built-in OIDs are fixed in PostgreSQL's
 * catalog (pg_proc.dat) and do not change between versions. lo_import and lo_export, which read
 * and write the server's files, are not among them.
 */
public final class LargeObjectFunctions {
    private static final Set<Integer> OIDS = Set.of(
            952,  // lo_open
            953,  // lo_close
            954,  // loread
            955,  // lowrite
            956,  // lo_lseek
            3170, // lo_lseek64
            957,  // lo_creat
            715,  // lo_create
            958,  // lo_tell
            3171, // lo_tell64
            1004, // lo_truncate
            3172, // lo_truncate64
            964   // lo_unlink
    );

    private LargeObjectFunctions() {
    }

    public static boolean contains(int oid) {
        return OIDS.contains(oid);
    }
}
