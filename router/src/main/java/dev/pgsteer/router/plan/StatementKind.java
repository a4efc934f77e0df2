package dev.pgsteer.router.plan;

/** What a routed statement does, as far as transactions care. */
public enum StatementKind {
    READ,
    WRITE,
    DDL,
    /** Runs outside a transaction block only (VACUUM, CREATE INDEX CONCURRENTLY): never wrapped in one. */
    NON_TRANSACTIONAL
}
