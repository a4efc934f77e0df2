-- Shards added with the admin console's ADD SHARD, one row each, merged by every instance into the
-- file's databases (the file stays the seed). url is the backend URL without its password; password is
-- set only when ADD SHARD's URL had one, and is then kept in plain text, as tenants' role_password.
-- Without one, each instance logs in with its file's credentials for the database's default shard.
-- ${schema} is replaced by the store's schema, as a quoted identifier.
CREATE TABLE ${schema}.shards (
    database    text NOT NULL,
    name        text NOT NULL,
    url         text NOT NULL,
    password    text,
    version     bigint NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (database, name)
);

-- The shard list's version: one row, raised by every ADD SHARD in its own transaction (additions queue here).
CREATE TABLE ${schema}.shard_list_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO ${schema}.shard_list_version (version) VALUES (0);
