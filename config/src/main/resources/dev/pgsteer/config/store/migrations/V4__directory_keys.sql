-- The key directory of function: directory tables: which shard holds a key of a directory group.
-- ${schema} is replaced by the store's schema, as a quoted identifier.
-- A key unassigned keeps its row with shard NULL (a tombstone) and a new version: followers read
-- every change above the version they last saw, and a deleted row would not be among them.
CREATE TABLE ${schema}.directory_keys (
    database    text NOT NULL,
    group_name  text NOT NULL,
    key         text NOT NULL,
    shard       text,
    version     bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (database, group_name, key)
);
CREATE INDEX ON ${schema}.directory_keys (version);

-- The key directory's version: one row, raised by every change in the change's own transaction, so
-- writers queue on it and commit in version order (a follower that read up to version v never
-- misses a change committed later with a lower one).
CREATE TABLE ${schema}.directory_keys_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO ${schema}.directory_keys_version (version) VALUES (0);
