-- The bucket map of each hash-sharded table: one row per bucket, remainder of modulus on a shard, as
-- dev.pgsteer.config.BucketMap holds it. buckets is the table's finest modulus (every modulus divides it).
-- Co-located tables (the same map) have the same rows, and change together in one transaction.
-- ${schema} is replaced by the store's schema, as a quoted identifier.
CREATE TABLE ${schema}.buckets (
    database    text NOT NULL,
    table_name  text NOT NULL,
    buckets     int NOT NULL CHECK (buckets BETWEEN 1 AND 4096),
    modulus     int NOT NULL CHECK (modulus >= 1 AND buckets % modulus = 0),
    remainder   int NOT NULL CHECK (remainder >= 0 AND remainder < modulus),
    shard       text NOT NULL,
    version     bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (database, table_name, modulus, remainder)
);

-- The shard map's version: one row, raised by every change inside the change's own transaction, so a
-- reader's snapshot sees a version with exactly its rows, and concurrent changes queue on this row.
CREATE TABLE ${schema}.shard_map_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO ${schema}.shard_map_version (version) VALUES (0);
