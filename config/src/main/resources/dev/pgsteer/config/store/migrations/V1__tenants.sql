-- The tenant directory, one row per tenant, as dev.pgsteer.config.TenantConfig holds it.
-- ${schema} is replaced by the store's schema, as a quoted identifier.
CREATE TABLE ${schema}.tenants (
    id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$'),
    database      text NOT NULL,
    mode          text NOT NULL CHECK (mode IN ('database', 'schema', 'shared')),
    shard         text NOT NULL,
    schema_name   text,
    backend       text,
    role          text,
    role_password text,
    state         text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'read_only', 'moving')),
    version       bigint NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The directory's version: one row, raised by every change inside the change's own transaction.
-- A reader's snapshot therefore sees a version together with exactly the rows that go with it (a
-- sequence would not: nextval is not transactional), and concurrent writers queue on this row.
CREATE TABLE ${schema}.directory_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO ${schema}.directory_version (version) VALUES (0);
