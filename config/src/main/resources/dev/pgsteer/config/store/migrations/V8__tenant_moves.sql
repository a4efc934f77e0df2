-- Online tenant and key moves (MOVE TENANT, MOVE KEY): a move of kind 'tenant' moves one tenant with its rows
-- (subject: its id), one of kind 'key' one key of a directory group with its rows. key_value is the directory
-- key as routing compares it (a shared tenant's id in its database's tenancy.directory group, or the key of
-- MOVE KEY); schema_name the schema of a tenant in its own schema. modulus and remainder are 1 and 0 for them.
-- ${schema} is the store's schema, as a quoted identifier.
ALTER TABLE ${schema}.moves DROP CONSTRAINT IF EXISTS moves_kind_check;
ALTER TABLE ${schema}.moves ADD CONSTRAINT moves_kind_check CHECK (kind IN ('bucket', 'tenant', 'key'));
ALTER TABLE ${schema}.moves ADD COLUMN subject text;
ALTER TABLE ${schema}.moves ADD COLUMN key_value text;
ALTER TABLE ${schema}.moves ADD COLUMN schema_name text;
